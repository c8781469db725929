//! The HyPe Initiator: the signed service, the virtual customer and the drop-in client.
