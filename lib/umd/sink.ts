// A scripted Wi-Fi Display sink for the RTSP socket's far end: it answers the source's M1
// (OPTIONS) and M3 (GET_PARAMETER) as a sink would, with a display's EDID or "none", and records
// every request. Enough for the sample UMD; a script that wants another exchange handles the
// socket itself (start({ sink: (socket) => ... })).
import type { Socket } from 'node:net';

export interface WfdSinkOptions {
  /** The display's EDID as hex, or null for no monitor ("wfd_display_edid: none"). Default: a monitor. */
  edid?: string | null;
  /** The RTP port the sink offers in wfd_client_rtp_ports (default 1028). */
  rtpPort?: number;
}

export interface RtspRequest {
  method: string;
  cseq: number;
  headers: Record<string, string>;
  body: string;
}

/** 128 bytes of a minimal EDID header (00 FF FF FF FF FF FF 00 ...), as WFD sends it. */
const defaultEdid = `0001 00ffffffffffff00${'00'.repeat(120)}`;

export class WfdSink {
  readonly socket: Socket;
  /** The source's requests, in order. */
  readonly requests: RtspRequest[] = [];
  /** Resolves when the source's M3 (the capability query) was answered. */
  readonly negotiated: Promise<void>;
  #buffer = '';
  #resolve!: () => void;
  readonly #edid: string | null;
  readonly #rtpPort: number;

  constructor(socket: Socket, options: WfdSinkOptions = {}) {
    this.socket = socket;
    this.#edid = options.edid === undefined ? defaultEdid : options.edid;
    this.#rtpPort = options.rtpPort ?? 1028;
    this.negotiated = new Promise((resolve) => { this.#resolve = resolve; });
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.#receive(chunk));
  }

  /** The sink ends the session (RTSP M8 TEARDOWN): the source should report it and stop. */
  teardown(): void {
    this.socket.write('TEARDOWN rtsp://localhost/wfd1.0 RTSP/1.0\r\nCSeq: 100\r\n\r\n');
  }

  #receive(chunk: string): void {
    this.#buffer += chunk;
    for (;;) {
      const end = this.#buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.#buffer.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length'] ?? 0);
      if (this.#buffer.length < end + 4 + length) return;
      const body = this.#buffer.slice(end + 4, end + 4 + length);
      this.#buffer = this.#buffer.slice(end + 4 + length);
      const request: RtspRequest = { method: head[0].split(' ')[0], cseq: Number(headers.cseq ?? 0), headers, body };
      this.requests.push(request);
      this.#answer(request);
    }
  }

  #answer(request: RtspRequest): void {
    let body = '';
    let extra = '';
    if (request.method === 'OPTIONS') {
      extra = 'Public: org.wfa.wfd1.0, GET_PARAMETER, SET_PARAMETER\r\n';
    } else if (request.method === 'GET_PARAMETER') {
      const values: Record<string, string> = {
        wfd_video_formats: '00 00 01 01 00000001 00000000 00000000 00 0000 0000 00 none none',
        wfd_client_rtp_ports: `RTP/AVP/UDP;unicast ${this.#rtpPort} 0 mode=play`,
        wfd_display_edid: this.#edid ?? 'none',
        wfd_audio_codecs: 'LPCM 00000003 00',
      };
      for (const name of request.body.split('\r\n').filter(Boolean)) {
        body += `${name}: ${values[name] ?? 'none'}\r\n`;
      }
      extra = body ? 'Content-Type: text/parameters\r\n' : '';
    }
    this.socket.write(`RTSP/1.0 200 OK\r\nCSeq: ${request.cseq}\r\n${extra}Content-Length: ${body.length}\r\n\r\n${body}`);
    if (request.method === 'GET_PARAMETER') this.#resolve();
  }
}
