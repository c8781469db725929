//! GP tom deep links through `GET /app2app` and `payterm link`.
