/**
 * Every `multicam` command's help text, in a module that imports nothing heavy: `multicam X
 * --help` prints from here before X's module (and the AWS SDK, zod, mDNS… it needs) is loaded.
 */
import { DEFAULT_PREFIX_TEMPLATE } from '../core/uploads/keys';

export const DEVICES_USAGE = `usage: multicam devices [--discover-seconds S] [--interface ADDR …] [--device host:port …] [--json]

List devices: browse mDNS (_multicam._tcp) for a few seconds, add any --device entries, and ask
each one for its status (one DEVICE_STATUS).

options:
  --discover-seconds S  how long to browse (default 3; 0 = no mDNS, --device entries only)
  --interface ADDR      confine mDNS to this local IPv4 address (repeatable)
  --device host:port    a device to include without discovery (repeatable)
  --json                print the list as JSON on stdout
  -h, --help            this text

exit: 0 every listed device answered, 2 some did not (or none found), 1 usage error
`;

export const STATUS_USAGE = `usage: multicam status --device host:port [--device host:port …] [--samples N] [--json]

Ask each device for its status and estimate its clock offset (device clock minus this
computer's clock) from a few DEVICE_STATUS round trips, keeping the fastest one.

options:
  --device host:port   a device (repeatable; port defaults to 8080)
  --samples N          DEVICE_STATUS round trips per device (default 4, 1–20)
  --timeout S          seconds to wait for each reply (default 3)
  --json               print the result as JSON on stdout
  -h, --help           this text

exit: 0 every device answered, 2 some did not, 1 usage error
`;

export const RECORD_USAGE = `usage: multicam record (--device host:port … | --discover) [options]

Run one take on every device: pre-flight, one synchronized START, record, STOP, then download
and verify every file into a new take folder with a take.json manifest.

options:
  --device host:port      a device (repeatable; port defaults to 8080)
  --discover              find devices with mDNS (_multicam._tcp) first
  --discover-seconds S    how long to browse (default 3)
  --interface ADDR        confine mDNS to this local address (repeatable)
  --delay S               seconds from now to the synchronized start (default 3)
  --duration S            stop after S seconds of recording; without it, record until
                          Enter or Ctrl-C
  --out DIR               recordings folder (default ./recordings); the take gets a subfolder
  --name NAME             take name (default "Take")
  --no-download           stop without downloading (file names are still in take.json)
  --stop-timeout S        seconds to wait for a STOP reply (default 90: Android trims first)
  --upload                after the downloads, have every device upload its file to
                          S3-compatible storage (needs --bucket; credentials from the
                          standard AWS chain or --profile), confirmed with a HEAD
  --bucket B, --prefix T, --endpoint URL, --region R, --profile P, --path-style
                          the storage target (see 'multicam upload --help')
  --json                  print the final take.json to stdout
  -h, --help              this text

SIGTERM is handled like Ctrl-C. A second Ctrl-C (or SIGTERM) while downloading cancels the
downloads (received bytes are kept as .partial).
exit: 0 every device recorded and every file downloaded and verified,
      2 partial failure (the manifest says what and why), 1 usage error
`;

export const DOWNLOAD_USAGE = `usage: multicam download --device host:port --file NAME [--out DIR]

Fetch one file from a device (GET_VIDEO), verify its size, print its SHA-256. The local name is
the file's base name (suffixed if it exists); nothing is ever overwritten. If the transfer fails,
the bytes that arrived are kept as <name>.partial (an OAK device deletes its copy once sent).

options:
  --device host:port   the device (port defaults to 8080)
  --file NAME          the file name on the device (from STOP or LIST_FILES)
  --out DIR            destination folder (default: current folder)
  --header-timeout S   seconds to wait for the file header (default 300: OAK packages first)
  --stall-timeout S    seconds without data before giving up (default 30)
  --json               print the result as JSON on stdout
  -h, --help           this text

exit: 0 downloaded and verified, 2 failed, 1 usage error
`;

export const UPLOAD_USAGE = `usage: multicam upload --take DIR --bucket B [options]

Ask every device of a take to upload its file straight to S3-compatible storage (a presigned
PUT URL per file), follow the progress, and confirm each object in the bucket (HEAD: it must
exist with the device's file size; a device going quiet is never taken as success). Results
are recorded in the take's take.json (key, bucket, bytes, ETag). Devices already confirmed
there are skipped unless --force.

Credentials come from the standard AWS chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
AWS_PROFILE, shared config and credentials files, SSO) or --profile; they are never stored.

options:
  --take DIR         the take folder (or its take.json)
  --bucket B         the bucket
  --prefix TEMPLATE  object key template (default ${DEFAULT_PREFIX_TEMPLATE});
                     variables: {date} {take} {takeId} {device} {deviceKey} {file}
  --endpoint URL     an S3-compatible server (default: AWS S3)
  --region R         region (default: from the AWS config; us-east-1 with --endpoint)
  --profile P        a named profile from the shared AWS config/credentials files
  --path-style       path-style addressing (http://host/bucket/key), for most S3-compatible servers
  --force            upload again files already confirmed in take.json
  --json             print the result as JSON on stdout
  -h, --help         this text

exit: 0 every file confirmed in the bucket, 2 any failure (or the storage is unusable),
      1 usage error
`;

export const SYNC_USAGE = `usage: multicam sync TAKE_DIR [--json]

Measure, from the sound of each downloaded file, where every camera's first frame sits on one
timeline: coarse loudness match, GCC-PHAT on windows along the clips, a drift fit and one
least-squares solution over all camera pairs. Needs ffmpeg and ffprobe. The result is written
into the take's take.json under "sync" (a folder without take.json: every video in it is
analysed and nothing is written).

options:
  --json      print the result as JSON on stdout: { "devices": [ { "name", "file", "offsetMs",
              "driftPpm", "score", "ok", "reason", ... } ], ... }
  -h, --help  this text

exit: 0 every file aligned, 2 any file not aligned (each says why) or the analysis failed,
      1 usage error
`;

export const EXPORT_USAGE = `usage: multicam export TAKE_DIR --format fcpxml|xmeml|otio [--out FILE]

Write an editor project of a take whose cameras were aligned by 'multicam sync':
  fcpxml  Final Cut Pro (FCPXML 1.10): one multicam clip, an angle per camera
  xmeml   Final Cut Pro 7 XML for Premiere Pro and DaVinci Resolve: a track per camera
  otio    OpenTimelineIO JSON: a track per camera, offsets as gaps
Cameras the sync could not align are left out (each is named with the reason).

options:
  --format F   fcpxml, xmeml or otio (required)
  --out FILE   where to write (default: next to take.json)
  --json       print { path, format, angles, skipped } as JSON on stdout
  -h, --help   this text

exit: 0 written with every camera, 2 written without some cameras or not written, 1 usage error
`;
