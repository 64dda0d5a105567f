#!/bin/sh
# Where crcmix's pushdown time goes on MariaDB: the bench table's digest built up a step at a
# time, each query on one session over the whole table, twice. Run after `go run ./bench` has
# seeded dbverify_bench_src.bench (the wide table). Prints "step run seconds".
set -eu
DB=${1:-dbverify_bench_src}
# The hash text dbverify builds for the wide bench table (from the server's general log).
T='CONCAT(`id`, '"','"', `i`, '"','"', LENGTH(`name`), '"':'"', `name`, `amount`, '"','"', `created`, '"','"', IF(`body` IS NULL, '"'N'"', CONCAT(LENGTH(`body`), '"':'"', `body`)))'
Q='((((@dbv_p) & 4294967295) ^ 3266489917) * (((@dbv_p) >> 32) ^ 668265263))'
q() {
	for r in 1 2; do
		s=$(date +%s.%N)
		mariadb -uroot -h127.0.0.1 "$DB" -N -e "$2" >/dev/null
		e=$(date +%s.%N)
		echo "$1 $r $(echo "$e - $s" | bc)"
	done
}
q floor "SELECT COUNT(*), BIT_XOR(CRC32(CONCAT_WS('#', id, i, name, amount, created, body))) FROM bench"
q text+crc32 "SELECT COUNT(*), BIT_XOR(CRC32($T)) FROM bench"
q text+crc32+crc32c "SELECT COUNT(*), BIT_XOR(CRC32(@s := $T)), BIT_XOR(CRC32C(@s)) FROM bench"
q old-linear-crc32c "SELECT COUNT(*), SUM(CRC32(@s := $T)), BIT_XOR(CRC32C(@s)) FROM bench"
q product-in-variables "SELECT COUNT(*), COUNT(@dbv_p := ((CRC32(@dbv_s := $T) ^ 2654435761) * ((@dbv_b := CRC32C(@dbv_s)) ^ 2246822519))), BIT_XOR(@dbv_p ^ @dbv_b) FROM bench"
q product-no-variables "SELECT COUNT(*), BIT_XOR(((CRC32($T) ^ 2654435761) * (CRC32C($T) ^ 2246822519))) FROM bench"
q crcmix "SELECT COUNT(*), COUNT(@dbv_p := ((CRC32(@dbv_s := $T) ^ 2654435761) * ((@dbv_b := CRC32C(@dbv_s)) ^ 2246822519))), SUM(((@dbv_q := $Q)) ^ (((@dbv_p) & 4294967295) * 4294967297)), BIT_XOR((@dbv_q ^ @dbv_b)) FROM bench"
q crcmix-q-twice "SELECT COUNT(*), COUNT(@dbv_p := ((CRC32(@dbv_s := $T) ^ 2654435761) * ((@dbv_b := CRC32C(@dbv_s)) ^ 2246822519))), SUM(($Q) ^ (((@dbv_p) & 4294967295) * 4294967297)), BIT_XOR(($Q) ^ @dbv_b) FROM bench"
