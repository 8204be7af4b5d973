/** Cloud upload: presigned S3 PUTs sent to devices, progress from DEVICE_STATUS, confirmed by HEAD. */
export * from '../../../src-shared/redact';
export * from './keys';
export * from './presign';
export * from './s3';
export * from './manifest';
export * from './service';
export * from './take';
export * from './port';
