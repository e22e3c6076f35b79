/**
 * Requests Node's HTTP parser rejects before fastify sees them (headers over Node's 16 KB, a malformed request
 * line, a client that stalls): answered in Dapr's error shape, with `Connection: close` so a keep-alive client
 * does not send its next request on the socket that is about to be closed (fastify's own answer omits it).
 */
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";

const ANSWERS: Record<string, { status: number; errorCode: string; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    errorCode: "ERR_HEADERS_TOO_LARGE",
    message: "the request's headers are larger than the server accepts (16 KB)",
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    errorCode: "ERR_REQUEST_TIMEOUT",
    message: "the request took too long",
  },
};

export function answerClientError(
  error: Error & { code?: string; rawPacket?: unknown },
  socket: Socket,
): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const answer = ANSWERS[error.code ?? ""] ?? {
    status: 400,
    errorCode: "ERR_MALFORMED_REQUEST",
    message: `the request is not valid HTTP (${error.code ?? "parse error"})`,
  };
  // A HEAD answer has no body: a client would read one as the start of the next answer.
  const raw = error.rawPacket;
  const head = Buffer.isBuffer(raw) && raw.subarray(0, 5).toString("latin1") === "HEAD ";
  const body = head ? "" : JSON.stringify({ errorCode: answer.errorCode, message: answer.message });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\nConnection: close\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
