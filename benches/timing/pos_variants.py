# The reference integration (its pos.py, path in PAYTERM_POS) with its retry pacing replaced,
# for `cargo bench --bench timing`. VARIANT picks how it waits after a fault:
#   constant   a constant wait after every fault (three minimum intervals, or the Retry-After the
#              answer carried, exactly): the backoff a simple, correct integration uses. Its waits
#              after faults are equal, so RATE-NO-STORM must never flag it, however loaded the
#              machine is.
#   half       as constant, but it waits only half the Retry-After (the mistake the rule exists
#              to catch).
import importlib.util
import os
import sys

spec = importlib.util.spec_from_file_location("pos", os.environ["PAYTERM_POS"])
pos = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pos)

VARIANT = os.environ.get("VARIANT", "constant")
CONSTANT_V = 3 * pos.POLL_V


def fault(self, retry_after=None, why=""):
    self.streak += 1
    gap = pos.v2r(CONSTANT_V)
    if retry_after is not None:
        gap = max(gap, retry_after / 2 if VARIANT == "half" else retry_after)
    self.gap = gap
    self.next_at = pos.now() + gap
    pos.log(self.order.id, f"fault #{self.streak}: {why}; next try in {gap / pos.SCALE:.2f}v ({VARIANT})")


pos.Pacer.fault = fault

if __name__ == "__main__":
    sys.exit(pos.main())
