// Writes a Parquet file with DuckDB (an implementation independent of spikeforge's): runs each SQL
// statement given on the command line, in order, in one in-memory database, typically
//   COPY (SELECT ...) TO '/path/file.parquet' (FORMAT parquet, COMPRESSION snappy, ...)
// The tests (tests/python/test_parquet_foreign.py) use it to make files of the shapes other
// writers produce (OPTIONAL columns, dictionary pages, SNAPPY / GZIP / ZSTD, several row groups;
// COPY options COMPRESSION, ROW_GROUP_SIZE, DICTIONARY_SIZE_LIMIT, PARQUET_VERSION v2, the last
// changing encodings only: DuckDB writes DataPage v1 headers) and read them back with
// spikeforge's reader. Prints nothing; exits 1 with DuckDB's message on error.
// Usage: node tests/js/write_parquet.mjs SQL [SQL ...]
import { DuckDBInstance } from '@duckdb/node-api';

async function main() {
  const statements = process.argv.slice(2);
  if (statements.length === 0) {
    console.error('usage: node write_parquet.mjs SQL [SQL ...]');
    process.exit(2);
  }
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  for (const sql of statements) await connection.run(sql);
}

main().catch((e) => {
  console.error(`write_parquet.mjs: ${e.message}`);
  process.exit(1);
});
