export function validate(body: unknown): unknown {
  if (typeof body !== "object" || body === null) {
    throw new Error("invalid body");
  }
  return body;
}
