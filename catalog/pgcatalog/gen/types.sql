-- Prints the rows of types.go's pgTypes table:
--   psql -X -At -F'|' "$PGURL" -f types.sql
WITH base AS (SELECT oid FROM pg_type WHERE oid IN (16,17,18,19,20,21,22,23,24,25,26,28,30,114,194,700,701,705,1033,1042,1043,1082,1083,1114,1184,1186,1700,2205,2206,2249,2275,2276,2277,2278,2283,2950,3802))
SELECT t.oid, t.typname, t.typlen, t.typbyval, t.typtype, t.typcategory, t.typispreferred, t.typelem, t.typarray,
       t.typinput, t.typoutput, t.typreceive, t.typsend, t.typalign, t.typstorage, t.typcollation
FROM pg_type t
WHERE t.oid IN (SELECT oid FROM base)
   OR t.oid IN (SELECT typarray FROM pg_type WHERE oid IN (SELECT oid FROM base) AND typtype <> 'p')
ORDER BY t.oid;
