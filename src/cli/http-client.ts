/** The operators' commands' one way to call a server's HTTP API: the token from DAPR_API_TOKEN, errors as text. */
export interface Target {
  url: string;
}

export interface Answer {
  status: number;
  body: unknown;
}

export async function call(
  target: Target,
  method: string,
  path: string,
  body?: string,
  anyStatus = false,
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (process.env.DAPR_API_TOKEN) headers["dapr-api-token"] = process.env.DAPR_API_TOKEN;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(new URL(path, target.url), { method, headers, body });
  } catch (error) {
    throw new Error(`cannot reach ${target.url}: ${(error as Error).cause ?? (error as Error).message}`);
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: keep the text.
  }
  if (response.status >= 400 && !anyStatus) {
    const error = parsed as { errorCode?: string; message?: string } | undefined;
    throw new Error(`${response.status} ${error?.errorCode ?? ""}: ${error?.message ?? text}`);
  }
  return { status: response.status, body: parsed };
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}
