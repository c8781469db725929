//! What a request asked, classified once where it arrived: its kind (a login, a task created,
//! a poll, a deep link, an invoice…) with the keys that tie it to an order. The surfaces fill
//! it in; the journal keeps it beside the exchange, with the [`Door`] it came through; the
//! judge reads both and never re-parses.

/// Which grant a token request asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grant {
    /// A login with the merchant's password, for `tid` (none: a master account).
    Password {
        /// The terminal named.
        tid: Option<String>,
    },
    /// A refresh with a refresh token.
    Refresh,
    /// Anything else.
    Other,
}

/// What a Cloud task creation asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreateKind {
    /// A SALE.
    Sale,
    /// A VOID.
    Void,
    /// A close batch.
    CloseBatch,
    /// A body the judge could not read as either.
    Unreadable,
}

/// What a request asked, by kind, with the keys that tie it to orders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    /// `POST /cloud/oauth/token` or `/api/oauth/token`.
    Token(Grant),
    /// `POST /v1/tasks/TRANSACTION` or `/v1/tasks/BATCH`.
    Create {
        /// What it creates.
        kind: CreateKind,
        /// `originReferenceNum`.
        reference: Option<String>,
        /// `originTransactionID` (a void's sale).
        origin: Option<String>,
    },
    /// `GET /v1/tasks/{id}`.
    Poll {
        /// The task id.
        task: String,
    },
    /// `GET /v1/tasks?reference=…`.
    List {
        /// The reference asked about.
        reference: Option<String>,
    },
    /// `DELETE /v1/tasks/{id}`.
    Withdraw {
        /// The task id.
        task: String,
    },
    /// `GET /v1/transactions/{amsId}`.
    Transaction {
        /// The AMS id.
        ams: String,
    },
    /// `GET /v1/batches/{amsId}`.
    Batch {
        /// The AMS id (`OPEN` for the open batch).
        ams: String,
    },
    /// `GET /app2app?uri=…`.
    Link(LinkCall),
    /// `POST /hype/v1/invoices`.
    Invoice {
        /// The invoice id.
        invoice: Option<String>,
    },
    /// `POST /hype/v1/status`.
    Status {
        /// The invoice id the autofeed names.
        invoice: Option<String>,
        /// The service's identifier the autofeed names.
        identifier: Option<String>,
    },
    /// Anything else.
    Other,
}

/// A deep link the integration opened, read with the emulator's own parser.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkCall {
    /// The operation path, e.g. `transaction/create`.
    pub operation: String,
    /// `originReferenceNum`.
    pub reference: Option<String>,
    /// `amsID`.
    pub ams: Option<String>,
    /// `printByPaymentApp`, read as the emulator reads it.
    pub print_by_payment_app: Option<bool>,
    /// `amount`, decoded.
    pub amount: Option<String>,
    /// `tipAmount`, decoded.
    pub tip: Option<String>,
}

impl LinkCall {
    /// Whether it is a payment (`transaction/create` or `transaction/refund`).
    pub fn is_payment(&self) -> bool {
        matches!(self.operation.as_str(), "transaction/create" | "transaction/refund")
    }
}

/// Which of payterm's doors an exchange came through: one of the three protocol surfaces on
/// the integration's port, or the control API on its own port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Door {
    /// The GP tom Cloud API.
    Cloud,
    /// GP tom deep links (`/app2app`).
    App2app,
    /// The HyPe Initiator's service (`/hype/…`).
    Initiator,
    /// payterm's control API.
    Control,
}

impl Door {
    /// `cloud`, `app2app`, `initiator` or `control`, as transcripts spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Door::Cloud => "cloud",
            Door::App2app => "app2app",
            Door::Initiator => "initiator",
            Door::Control => "control",
        }
    }

    /// Reads its name.
    pub fn parse(text: &str) -> Option<Door> {
        [Door::Cloud, Door::App2app, Door::Initiator, Door::Control].into_iter().find(|d| d.as_str() == text)
    }
}

impl std::fmt::Display for Door {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
