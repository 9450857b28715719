// onEvent handler of the callback-pool seeding custom resource: invokes
// admin-api with the Function URL event of POST /v1/callback-numbers and
// fails the deployment unless the route answered 2xx.

// answer reads the HTTP answer from the function's payload: a
// response-stream function's is a JSON prelude, eight NUL bytes, then the
// body; a buffered one's is the JSON response.
function answer(payload) {
  const text = Buffer.from(payload || []).toString("utf8");
  const end = text.indexOf("\u0000");
  const head = JSON.parse(end >= 0 ? text.slice(0, end) : text);
  const body = end >= 0 ? text.slice(end).replace(/^\u0000+/, "") : String(head.body || "");
  return { status: head.statusCode, body: body.slice(0, 500) };
}

// handle is the handler over invoke(functionName, payload) -> {FunctionError, Payload}.
async function handle(event, invoke) {
  const p = event.ResourceProperties;
  if (event.RequestType === "Delete") {
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  const out = await invoke(p.FunctionName, p.Payload);
  if (out.FunctionError) {
    throw new Error(`admin-api failed (${out.FunctionError}): ${Buffer.from(out.Payload || []).toString("utf8").slice(0, 500)}`);
  }
  const a = answer(out.Payload);
  if (!(a.status >= 200 && a.status < 300)) {
    throw new Error(`POST /v1/callback-numbers ${p.Number} answered ${a.status}: ${a.body}`);
  }
  return { PhysicalResourceId: p.PhysicalId };
}

let client;
async function invokeWithSdk(functionName, payload) {
  const { LambdaClient, InvokeCommand } = require("@aws-sdk/client-lambda");
  client = client || new LambdaClient({});
  return client.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(payload) }));
}

exports.handler = (event) => handle(event, invokeWithSdk);
exports.handle = handle;
