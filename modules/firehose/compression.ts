/** The compression formats Firehose writes S3 objects in. */
export const COMPRESSION_FORMATS = ["UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY"] as const;
export type Compression = (typeof COMPRESSION_FORMATS)[number];
