import readline from "node:readline";

const url = process.env.PAYTERM_URL;
const cloud = JSON.parse(process.env.PAYTERM_CREDENTIALS).cloud;
const second = 1000 * Number(process.env.PAYTERM_TIME_SCALE); // one virtual second, in ms

const login = new URLSearchParams({ grant_type: "password", username: cloud.username, password: cloud.password, tid: cloud.tid });
const { access_token } = await (await fetch(`${url}/cloud/oauth/token`, {
  method: "POST", headers: { Authorization: cloud.basic }, body: login })).json();
const call = async (method, path, body) => (await fetch(url + path, { method, body: body && JSON.stringify(body),
  headers: { Authorization: `Bearer ${access_token}`, "Content-Type": "application/json" } })).json();

for await (const line of readline.createInterface({ input: process.stdin })) { // one order per line
  const order = JSON.parse(line);
  let task = await call("POST", "/v1/tasks/TRANSACTION", { transactionType: "SALE", amount: order.amount,
    currencyCode: order.currency, paymentMethod: "CARD", originReferenceNum: order.reference });
  while (!["COMPLETED", "FAILED", "CANCELLED"].includes(task.state)) { // poll until final
    await new Promise((done) => setTimeout(done, second));
    task = await call("GET", `/v1/tasks/${task.taskId}`);
  }
  // A COMPLETED task is not a paid sale: the transaction's result says (0 is approved).
  const paid = task.amsId !== undefined && (await call("GET", `/v1/transactions/${task.amsId}`)).result === 0;
  console.log(JSON.stringify({ order: order.id, event: "outcome", result: paid ? "paid" : "not_paid" }));
}
