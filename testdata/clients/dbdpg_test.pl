# DBD::Pg (Perl DBI, on libpq) against eddy: run by cmd/eddy/clients_test.go as
#
#     perl dbdpg_test.pl postgres://user@host:port/db
#
# DBD::Pg prepares server-side (PQprepare/PQexecPrepared, text format),
# reuses its prepared statements, and has COPY and DBI's catalog methods.
# Prints each check; exits non-zero if any failed. The expected values are
# what PostgreSQL 15 gives.
use strict;
use warnings;
use utf8;
use DBI;
use DBD::Pg qw(:pg_types);

my $url = $ARGV[0] or die "usage: $0 postgres://...\n";
my ($user, $pass, $host, $port, $db) = $url =~ m{^postgres(?:ql)?://([^:@/]+)(?::([^@]*))?@([^:/]+):(\d+)/([^?]+)}
	or die "cannot parse $url\n";
my $failed = 0;

sub show { my $v = shift; return defined $v ? (ref $v eq 'ARRAY' ? '[' . join(',', map { show($_) } @$v) . ']' : "$v") : 'NULL' }

sub check {
	my ($what, $got, $want) = @_;
	my ($g, $w) = (show($got), show($want));
	if ($g eq $w) {
		print "ok   $what\n";
	} else {
		print "FAIL $what: got $g, want $w\n";
		$failed++;
	}
}

binmode STDOUT, ":utf8";
my $dbh = DBI->connect("dbi:Pg:dbname=$db;host=$host;port=$port", $user, $pass,
	{ AutoCommit => 1, RaiseError => 1, PrintError => 0, PrintWarn => 0, pg_enable_utf8 => 1 });
print "connected: server_version=$dbh->{pg_server_version}\n";
$dbh->do("DROP MATERIALIZED VIEW IF EXISTS pl_mv");
$dbh->do("DROP TABLE IF EXISTS pl_items");
$dbh->do("CREATE TABLE pl_items (id INT PRIMARY KEY, name TEXT, price NUMERIC(10,2), at TIMESTAMPTZ,"
	. " ok BOOL, tags TEXT[], doc JSONB)");

my $ins = $dbh->prepare("INSERT INTO pl_items VALUES (?, ?, ?, ?, ?, ?, ?)");
check("insert rows", $ins->execute(1, "it's a widget", "9.99", "2024-02-29 13:14:15.123456+00", 1, ["a", "b c"], '{"k": [1, null]}'), 1);
$ins->execute(2, undef, undef, undef, undef, undef, undef);
$ins->execute(3, "ünïcode", "-0.50", "2023-01-25 13:14:15+00", 0, [], '{}');

$dbh->do("SET TIME ZONE 'UTC'");
my $rows = $dbh->selectall_arrayref("SELECT id, name, price, at, ok, tags, doc FROM pl_items ORDER BY id");
check("row 1", $rows->[0], [1, "it's a widget", "9.99", "2024-02-29 13:14:15.123456+00", 1, ["a", "b c"], '{"k": [1, null]}']);
check("row 2", $rows->[1], [2, undef, undef, undef, undef, undef, undef]);
check("row 3", $rows->[2], [3, "ünïcode", "-0.50", "2023-01-25 13:14:15+00", 0, [], '{}']);

# Placeholders of every kind, and a statement reused.
my $sel = $dbh->prepare("SELECT name FROM pl_items WHERE id = ?");
for my $id (1, 3, 1) {
	$sel->execute($id);
	check("reused statement $id", ($sel->fetchrow_array)[0], $id == 1 ? "it's a widget" : "ünïcode");
}
check("typed placeholders", [$dbh->selectrow_array("SELECT ?::int + 1, ?, ?::text IS NULL, ?::numeric * 2", undef, 41, "a'b\\c", undef, "1.25")],
	[42, "a'b\\c", 1, "2.50"]);
check("array placeholder", scalar $dbh->selectrow_array("SELECT count(*) FROM pl_items WHERE id = ANY(?)", undef, [1, 3, 99]), 2);
my $bsth = $dbh->prepare("SELECT length(?::bytea)");
$bsth->bind_param(1, "\x00\x01\xff", { pg_type => PG_BYTEA });
$bsth->execute;
check("bytea placeholder", ($bsth->fetchrow_array)[0], 3);
check("$-style placeholders", scalar $dbh->selectrow_array('SELECT $1::int * $2::int', undef, 6, 7), 42);

# Transactions.
$dbh->begin_work;
$dbh->do("UPDATE pl_items SET name = 'changed' WHERE id = 1");
$dbh->rollback;
check("rollback", scalar $dbh->selectrow_array("SELECT name FROM pl_items WHERE id = 1"), "it's a widget");
$dbh->begin_work;
$dbh->do("UPDATE pl_items SET name = 'committed' WHERE id = 2");
$dbh->commit;
check("commit", scalar $dbh->selectrow_array("SELECT name FROM pl_items WHERE id = 2"), "committed");

# Errors carry their SQLSTATE.
for my $case (["unique violation", "INSERT INTO pl_items (id) VALUES (1)", "23505"],
	["undefined table", "SELECT * FROM pl_nope", "42P01"],
	["division by zero", "SELECT 1/0", "22012"],
	["syntax error", "SELEC 1", "42601"]) {
	my ($what, $q, $code) = @$case;
	eval { $dbh->do($q); 1 } and do { check($what, "no error", $code); next };
	check($what, $dbh->state, $code);
}
check("usable after errors", scalar $dbh->selectrow_array("SELECT count(*) FROM pl_items"), 3);

# A cursor, DECLAREd in a transaction.
$dbh->begin_work;
$dbh->do("DECLARE c CURSOR FOR SELECT id FROM pl_items ORDER BY id");
check("fetch 2", $dbh->selectcol_arrayref("FETCH 2 FROM c"), [1, 2]);
check("fetch rest", $dbh->selectcol_arrayref("FETCH ALL FROM c"), [3]);
$dbh->do("CLOSE c");
$dbh->commit;

# COPY both ways.
$dbh->do("COPY pl_items (id, name) FROM STDIN");
$dbh->pg_putcopydata("10\tcopied\n");
$dbh->pg_putcopydata("11\t\\N\n");
check("copy in", $dbh->pg_putcopyend, 1);
$dbh->do("COPY (SELECT id, name FROM pl_items WHERE id >= 10 ORDER BY id) TO STDOUT");
my ($line, @lines);
push @lines, $line while $dbh->pg_getcopydata($line) >= 0;
check("copy out", join("", @lines), "10\tcopied\n11\t\\N\n");

# A materialized view and the catalogs.
$dbh->do("CREATE MATERIALIZED VIEW pl_mv AS SELECT ok, count(*) AS n FROM pl_items GROUP BY ok");
check("matview rows", $dbh->selectall_arrayref("SELECT ok, n FROM pl_mv ORDER BY ok NULLS LAST"), [[0, 1], [1, 1], [undef, 3]]);

# DBI's catalog methods run DBD::Pg's own queries on pg_catalog.
my $tables = $dbh->table_info(undef, "public", "pl_%", undef)->fetchall_arrayref({});
check("table_info", [map { "$_->{TABLE_NAME}:$_->{TABLE_TYPE}" } sort { $a->{TABLE_NAME} cmp $b->{TABLE_NAME} } @$tables],
	["pl_items:TABLE", "pl_mv:MATERIALIZED VIEW"]);
my $cols = $dbh->column_info(undef, "public", "pl_items", undef)->fetchall_arrayref({});
check("column_info", [map { "$_->{COLUMN_NAME}:$_->{TYPE_NAME}:$_->{NULLABLE}" } @$cols],
	["id:integer:0", "name:text:1", "price:numeric:1", "at:timestamp with time zone:1", "ok:boolean:1", "tags:text[]:1", "doc:jsonb:1"]);
check("primary_key", [$dbh->primary_key(undef, "public", "pl_items")], ["id"]);
my $sth = $dbh->prepare("SELECT id, name, price FROM pl_items WHERE id = ?");
$sth->execute(1);
check("statement NAME", $sth->{NAME}, ["id", "name", "price"]);
check("statement TYPE", $sth->{TYPE}, [4, -1, 2]);
$sth->finish;
check("ping", $dbh->ping, 1);

# foreign_key_info finds the referenced key through pg_depend: the foreign
# key depends on the unique index it checks, which implements the key.
$dbh->do("DROP TABLE IF EXISTS pl_orders");
$dbh->do("CREATE TABLE pl_orders (id INT PRIMARY KEY, item INT REFERENCES pl_items (id) ON DELETE CASCADE,"
	. " qty INT CHECK (qty > 0))");
my $fk = $dbh->foreign_key_info(undef, "public", "pl_items", undef, "public", "pl_orders");
my $fks = $fk ? $fk->fetchall_arrayref({}) : [];
check("foreign_key_info", [map { join(":", $_->{UK_TABLE_NAME}, $_->{UK_COLUMN_NAME}, $_->{FK_TABLE_NAME},
	$_->{FK_COLUMN_NAME}, $_->{FK_NAME}, $_->{UK_NAME}, $_->{UNIQUE_OR_PRIMARY}, $_->{DELETE_RULE}) } @$fks],
	["pl_items:id:pl_orders:item:pl_orders_item_fkey:pl_items_pkey:PRIMARY:0"]);
$fk = $dbh->foreign_key_info(undef, undef, undef, undef, undef, "pl_orders");
check("foreign_key_info by referencing table", scalar @{ $fk ? $fk->fetchall_arrayref : [] }, 1);
check("pg_depend check columns", $dbh->selectall_arrayref(
	"SELECT refobjsubid, deptype FROM pg_depend d JOIN pg_constraint c ON c.oid = d.objid"
	. " WHERE d.classid = 'pg_constraint'::regclass AND c.conname = 'pl_orders_qty_check' ORDER BY deptype"),
	[[3, "a"], [3, "n"]]);
check("pg_depend view rule", $dbh->selectall_arrayref(
	"SELECT DISTINCT v.relname, t.relname FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid"
	. " JOIN pg_class v ON v.oid = r.ev_class JOIN pg_class t ON t.oid = d.refobjid"
	. " WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid <> r.ev_class AND v.relname = 'pl_mv'"),
	[["pl_mv", "pl_items"]]);
$dbh->do("DROP TABLE pl_orders");

$dbh->do("DROP MATERIALIZED VIEW pl_mv");
$dbh->do("DROP TABLE pl_items");
$_ && $_->finish for @{ $dbh->{ChildHandles} };
$dbh->disconnect;
if ($failed) {
	print "$failed checks failed\n";
	exit 1;
}
