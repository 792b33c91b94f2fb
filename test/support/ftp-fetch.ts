/** Fetching a file with a real FTP client (basic-ftp), as a charger would: for firmware tests. */
import { Writable } from 'node:stream';
import { Client } from 'basic-ftp';

export interface FtpLogin {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

/** A logged-in basic-ftp client (plain FTP, passive mode). */
export async function ftpClient(login: FtpLogin, timeoutMs = 10_000): Promise<Client> {
  const client = new Client(timeoutMs);
  try {
    await client.access({ host: login.host, port: login.port, user: login.user, password: login.password, secure: false });
  } catch (e) {
    client.close();
    throw e;
  }
  return client;
}

/** Downloads `path` over `client` into memory. */
export async function ftpDownload(client: Client, path: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      parts.push(chunk);
      done();
    },
  });
  await client.downloadTo(sink, path);
  return Buffer.concat(parts);
}

/** Logs in, downloads `path`, logs out. */
export async function ftpFetch(login: FtpLogin, path: string): Promise<Buffer> {
  const client = await ftpClient(login);
  try {
    return await ftpDownload(client, path);
  } finally {
    client.close();
  }
}
