package sql

import (
	"reflect"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

// stripAST clears embedded ASTs so that statements compare by their texts.
func stripAST(s Stmt) Stmt {
	clearQ := func(q *Query) {
		if q != nil {
			q.AST = nil
		}
	}
	clearE := func(e *Expr) {
		if e != nil {
			e.AST = nil
		}
	}
	clearCols := func(cs []ColumnDef) {
		for i := range cs {
			clearE(cs[i].Default)
			clearE(cs[i].Generated)
			for _, c := range cs[i].Checks {
				clearE(c)
			}
		}
	}
	switch v := s.(type) {
	case *CreateTable:
		clearQ(v.As)
		clearCols(v.Columns)
		if v.Watermark != nil {
			clearE(v.Watermark.Expr)
		}
		for _, c := range v.Constraints {
			clearE(c.Check)
		}
	case *CreateSource:
		clearCols(v.Columns)
		if v.Watermark != nil {
			clearE(v.Watermark.Expr)
		}
	case *CreateSink:
		clearQ(v.Query)
	case *CreateView:
		clearQ(v.Query)
	case *CreateIndex:
		for _, e := range v.Elems {
			clearE(e.Expr)
		}
	case *Subscribe:
		clearQ(v.Query)
	case *Copy:
		clearQ(v.Query)
		if v.Subscribe != nil {
			clearQ(v.Subscribe.Query)
		}
	case *Declare:
		clearQ(v.Query)
		if v.Subscribe != nil {
			clearQ(v.Subscribe.Query)
		}
	case *Explain:
		v.Stmt.AST = nil
		v.Stmt.Rewritten = ""
		if v.Stmt.Own != nil {
			v.Stmt.Own = stripAST(v.Stmt.Own)
		}
	}
	return s
}

func TestParseOwn(t *testing.T) {
	bid := ObjectName{Name: "bid"}
	cases := []struct {
		in   string
		want Stmt
	}{
		{`CREATE SOURCE bid (auction BIGINT, price BIGINT, date_time TIMESTAMP,
		    WATERMARK FOR date_time AS date_time - INTERVAL '4 seconds')
		  WITH (topic = 'bid', format = 'json', start = 'earliest')`,
			&CreateSource{Name: bid, Columns: []ColumnDef{
				{Name: "auction", Type: Int8, TypeName: "bigint"},
				{Name: "price", Type: Int8, TypeName: "bigint"},
				{Name: "date_time", Type: Timestamp, TypeName: "timestamp"}},
				Watermark: &Watermark{Column: "date_time", Expr: &Expr{Text: "date_time - INTERVAL '4 seconds'"}},
				With:      []Option{{"topic", "bid"}, {"format", "json"}, {"start", "earliest"}}}},
		{`create table if not exists public.account (id bigserial primary key, balance numeric(10,2) not null default 0 check (balance >= 0),
		   owner text references person (id) on delete cascade, "Name" varchar(20) unique,
		   constraint u unique (owner, "Name"), foreign key (owner) references person, check (id > 0)) with (topic = 'acc')`,
			&CreateTable{Name: ObjectName{"public", "account"}, IfNotExists: true, Columns: []ColumnDef{
				{Name: "id", Type: Int8, TypeName: "bigserial", Serial: true, NotNull: true, PrimaryKey: true},
				{Name: "balance", Type: Type{OID: OIDNumeric, Mod: (10<<16 | 2) + 4}, TypeName: "numeric(10,2)", NotNull: true,
					Default: &Expr{Text: "0"}, Checks: []*Expr{{Text: "balance >= 0"}}},
				{Name: "owner", Type: Text, TypeName: "text", References: &ForeignRef{Table: ObjectName{Name: "person"}, Columns: []string{"id"}, OnDelete: "cascade"}},
				{Name: "Name", Type: Type{OID: OIDVarchar, Mod: 24}, TypeName: "varchar(20)", Unique: true}},
				Constraints: []TableConstraint{
					{Name: "u", Kind: ConstraintUnique, Columns: []string{"owner", "Name"}},
					{Kind: ConstraintForeignKey, Columns: []string{"owner"}, Ref: &ForeignRef{Table: ObjectName{Name: "person"}}},
					{Kind: ConstraintCheck, Check: &Expr{Text: "id > 0"}}},
				With: []Option{{"topic", "acc"}}}},
		{"CREATE TEMP TABLE tmp_jdbc (a bigint, b text)",
			&CreateTable{Name: ObjectName{Name: "tmp_jdbc"}, Temporary: true, Columns: []ColumnDef{{Name: "a", Type: Int8, TypeName: "bigint"}, {Name: "b", Type: Text, TypeName: "text"}}}},
		{"CREATE LOCAL TEMPORARY TABLE t1 (a int) ON COMMIT PRESERVE ROWS",
			&CreateTable{Name: ObjectName{Name: "t1"}, Temporary: true, OnCommit: "preserve", Columns: []ColumnDef{{Name: "a", Type: Int4, TypeName: "int"}}}},
		{"create global temp table t1 (a int) on commit delete rows",
			&CreateTable{Name: ObjectName{Name: "t1"}, Temporary: true, OnCommit: "delete", Columns: []ColumnDef{{Name: "a", Type: Int4, TypeName: "int"}}}},
		{"create temporary table t1 (a int) on commit drop",
			&CreateTable{Name: ObjectName{Name: "t1"}, Temporary: true, OnCommit: "drop", Columns: []ColumnDef{{Name: "a", Type: Int4, TypeName: "int"}}}},
		{"create table ao (v int) with (appendonly = true)",
			&CreateTable{Name: ObjectName{Name: "ao"}, Columns: []ColumnDef{{Name: "v", Type: Int4, TypeName: "int"}}, AppendOnly: true}},
		{"create table ao (v int) with (appendonly = true, topic = 'x')",
			&CreateTable{Name: ObjectName{Name: "ao"}, Columns: []ColumnDef{{Name: "v", Type: Int4, TypeName: "int"}}, AppendOnly: true, With: []Option{{"topic", "x"}}}},
		{"create table t2 as select * from t", &CreateTable{Name: ObjectName{Name: "t2"}, As: &Query{Text: "select * from t"}}},
		{"CREATE MATERIALIZED VIEW IF NOT EXISTS hot AS SELECT auction, count(*) AS bids FROM bid GROUP BY auction",
			&CreateView{Name: ObjectName{Name: "hot"}, Materialized: true, IfNotExists: true, Query: &Query{Text: "SELECT auction, count(*) AS bids FROM bid GROUP BY auction"}}},
		{"create materialized view mv as select window_start, count(*) from tumble(t, tm, interval '1 hour') group by window_start emit on window close",
			&CreateView{Name: ObjectName{Name: "mv"}, Materialized: true, EmitOnWindowClose: true,
				Query: &Query{Text: "select window_start, count(*) from tumble(t, tm, interval '1 hour') group by window_start"}}},
		{"create materialized view mv emit on window close as select tm, foo from t",
			&CreateView{Name: ObjectName{Name: "mv"}, Materialized: true, EmitOnWindowClose: true, Query: &Query{Text: "select tm, foo from t"}}},
		{`create table t (
		    tm timestamp,
		    foo int,
		    watermark for tm as tm - interval '5 minutes'
		) append only`,
			&CreateTable{Name: ObjectName{Name: "t"}, Columns: []ColumnDef{{Name: "tm", Type: Timestamp, TypeName: "timestamp"}, {Name: "foo", Type: Int4, TypeName: "int"}},
				Watermark: &Watermark{Column: "tm", Expr: &Expr{Text: "tm - interval '5 minutes'"}}, AppendOnly: true}},
		{"create table t (watermark int, window int)",
			&CreateTable{Name: ObjectName{Name: "t"}, Columns: []ColumnDef{{Name: "watermark", Type: Int4, TypeName: "int"}, {Name: "window", Type: Int4, TypeName: "int"}}}},
		{"create or replace view v (a, b) as select 1, 2", &CreateView{Name: ObjectName{Name: "v"}, OrReplace: true, Columns: []string{"a", "b"}, Query: &Query{Text: "select 1, 2"}}},
		{"CREATE SINK hot_out FROM hot WITH (topic = 'hot', format = 'json', envelope = 'upsert')",
			&CreateSink{Name: ObjectName{Name: "hot_out"}, From: ObjectName{Name: "hot"}, With: []Option{{"topic", "hot"}, {"format", "json"}, {"envelope", "upsert"}}}},
		{"CREATE SINK s FROM (select * from hot where x > 1) WITH (topic = 'x')",
			&CreateSink{Name: ObjectName{Name: "s"}, Query: &Query{Text: "select * from hot where x > 1"}, With: []Option{{"topic", "x"}}}},
		{"create unique index if not exists i on t using btree (a, lower(b) desc)",
			&CreateIndex{Name: "i", Unique: true, IfNotExists: true, Table: ObjectName{Name: "t"}, Using: "btree", Elems: []IndexElem{{Column: "a"}, {Expr: &Expr{Text: "lower(b)"}, Desc: true}}}},
		{"create index on t (a)", &CreateIndex{Table: ObjectName{Name: "t"}, Elems: []IndexElem{{Column: "a"}}}},
		{"create sequence s start 10 increment by 2", &CreateSequence{Name: ObjectName{Name: "s"}, Start: ptr(int64(10)), Increment: ptr(int64(2))}},
		{"comment on table t is 'hello'", &Comment{Kind: "table", Name: ObjectName{Name: "t"}, Text: ptr("hello")}},
		{"comment on column t.c is null", &Comment{Kind: "column", Name: ObjectName{Name: "t"}, Column: "c"}},
		{"comment on materialized view m is 'x'", &Comment{Kind: "materialized view", Name: ObjectName{Name: "m"}, Text: ptr("x")}},
		{"drop materialized view if exists a, s.b cascade", &Drop{Kind: "materialized view", IfExists: true, Names: []ObjectName{{Name: "a"}, {"s", "b"}}, Cascade: true}},
		{"drop source bid", &Drop{Kind: "source", Names: []ObjectName{bid}}},
		{"SET extra_float_digits = 3", &Set{Name: "extra_float_digits", Values: []string{"3"}}},
		{"SET application_name = 'corpus_jdbc'", &Set{Name: "application_name", Values: []string{"corpus_jdbc"}}},
		{"SET search_path TO public, \"$user\"", &Set{Name: "search_path", Values: []string{"public", "$user"}}},
		{"set local statement_timeout to default", &Set{Name: "statement_timeout", Local: true, Default: true}},
		{"SET TIME ZONE 'UTC'", &Set{Name: "timezone", Values: []string{"UTC"}}},
		{"SET TIME ZONE LOCAL", &Set{Name: "timezone", Default: true}},
		{"SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL REPEATABLE READ", &SetTransaction{Session: true, Isolation: "repeatable read"}},
		{"reset all", &Reset{All: true}},
		{"reset search_path", &Reset{Name: "search_path"}},
		{"SHOW server_version", &Show{Name: "server_version"}},
		{"show all", &Show{Name: "all"}},
		{"show sources", &ShowObjects{Kind: "sources"}},
		{"SHOW MATERIALIZED VIEWS", &ShowObjects{Kind: "materialized views"}},
		{"BEGIN", &Begin{}},
		{"BEGIN READ ONLY", &Begin{ReadOnly: ptr(true)}},
		{"begin transaction isolation level serializable, read write", &Begin{Isolation: "serializable", ReadOnly: ptr(false)}},
		{"start transaction", &Begin{}},
		{"commit", &Commit{}}, {"end work", &Commit{}}, {"rollback", &Rollback{}}, {"abort", &Rollback{}},
		{"savepoint a", &Savepoint{Name: "a"}}, {"release savepoint a", &ReleaseSavepoint{Name: "a"}},
		{"release a", &ReleaseSavepoint{Name: "a"}}, {"rollback to savepoint a", &RollbackToSavepoint{Name: "a"}},
		{"explain select 1", &Explain{Stmt: Statement{Text: "select 1", Offset: 8}}},
		{"explain analyze verbose select 1", &Explain{Analyze: true, Verbose: true, Stmt: Statement{Text: "select 1", Offset: 24}}},
		{"explain (analyze, format json) select 1", &Explain{Analyze: true, Options: []Option{{"analyze", ""}, {"format", "json"}}, Stmt: Statement{Text: "select 1", Offset: 31}}},
		{"subscribe hot", &Subscribe{Name: ObjectName{Name: "hot"}}},
		{"subscribe to (select 1) with (snapshot = false, progress = true)", &Subscribe{Query: &Query{Text: "select 1"}, With: []Option{{"snapshot", "false"}, {"progress", "true"}}}},
		{"COPY (SUBSCRIBE hot) TO STDOUT", &Copy{Subscribe: &Subscribe{Name: ObjectName{Name: "hot"}}}},
		{"COPY  ( SELECT auction, price FROM bids ORDER BY price ) TO STDOUT WITH (FORMAT csv, HEADER)",
			&Copy{Query: &Query{Text: "SELECT auction, price FROM bids ORDER BY price"}, Options: []Option{{"format", "csv"}, {"header", ""}}}},
		{"copy t (a, b) from stdin with (format csv, delimiter ',')", &Copy{Table: ObjectName{Name: "t"}, Columns: []string{"a", "b"}, From: true, Options: []Option{{"format", "csv"}, {"delimiter", ","}}}},
		{"copy t to stdout csv header", &Copy{Table: ObjectName{Name: "t"}, Options: []Option{{"format", "csv"}, {"header", ""}}}},
		{"DECLARE c CURSOR FOR SUBSCRIBE hot", &Declare{Cursor: "c", Subscribe: &Subscribe{Name: ObjectName{Name: "hot"}}}},
		{"declare c binary no scroll cursor with hold for select 1", &Declare{Cursor: "c", Binary: true, NoScroll: true, Hold: true, Query: &Query{Text: "select 1"}}},
		{"FETCH 100 c", &Fetch{Cursor: "c", Count: 100}},
		{"fetch forward all from c", &Fetch{Cursor: "c", All: true, Count: 1}},
		{"fetch next in c", &Fetch{Cursor: "c", Count: 1}},
		{"close c", &Close{Cursor: "c"}}, {"close all", &Close{All: true}},
		{"discard all", &Discard{What: "all"}},
		{"deallocate prepare s1", &Deallocate{Name: "s1"}}, {"deallocate all", &Deallocate{All: true}},
		{"truncate table t", &Truncate{Tables: []ObjectName{{Name: "t"}}}},
		{"refresh materialized view m", &RefreshMaterializedView{Name: ObjectName{Name: "m"}}},
		{"flush", &Flush{}}, {"analyze t", &Maintenance{Kind: "analyze"}}, {"vacuum full", &Maintenance{Kind: "vacuum"}},
	}
	for _, c := range cases {
		sts, err := Parse(c.in)
		if err != nil {
			t.Errorf("%s: %v (pos %d)", c.in, err, AsError(err).Position)
			continue
		}
		if len(sts) != 1 || sts[0].Own == nil {
			t.Errorf("%s: got %d statements, own %v", c.in, len(sts), sts)
			continue
		}
		got := stripAST(sts[0].Own)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s\n got: %#v\nwant: %#v", c.in, got, c.want)
		}
	}
}

func TestErrorPositions(t *testing.T) {
	cases := []struct {
		in  string
		pos int
		msg string
	}{
		{"select * from t where", 22, "syntax error at end of input"},
		{"select 1 +* 2", 11, `syntax error at or near "*"`},
		{"select a, from t", 11, `syntax error at or near "from"`},
		{"select 1;\nselect foo bar baz", 26, `syntax error at or near "baz"`},
		{"select 'héllo' ,, 1", 17, `syntax error at or near ","`},
		{"select x::int foo bar", 19, `syntax error at or near "bar"`},
		{"select (1", 10, "syntax error at end of input"},
		{"select 1)", 9, `syntax error at or near ")"`},
		{"select 'abc", 8, "unterminated quoted string"},
		{"create table t (a int,)", 23, `syntax error at or near ")"`},
		{"create source s (a int)", 24, "syntax error at end of input"},
		{"create table t (a foo)", 19, `type "foo" does not exist`},
		{"drop widget x", 6, `syntax error at or near "widget"`},
		{"set x", 6, "syntax error at end of input"},
		{"frobnicate", 1, `syntax error at or near "frobnicate"`},
		{"create materialized view v as select from where", 38, `syntax error at or near "from"`},
		{"select interval 'x' day", 17, `invalid input syntax for type interval: "x"`},
		{"select interval '1' hour to day", 29, `syntax error at or near "day"`},
		{"select * from a full join b on", 31, "syntax error at end of input"},
		{"select * from a full join b on where true", 32, `syntax error at or near "where"`},
	}
	for _, c := range cases {
		_, err := Parse(c.in)
		if err == nil {
			t.Errorf("%s: no error", c.in)
			continue
		}
		e, ok := err.(*Error)
		if !ok {
			t.Errorf("%s: not an *Error: %T %v", c.in, err, err)
			continue
		}
		if e.Position != c.pos || !contains(e.Message, c.msg) {
			t.Errorf("%s: got %d %q, want %d %q", c.in, e.Position, e.Message, c.pos, c.msg)
		}
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestSplit(t *testing.T) {
	q := "select 1; ; select ';' -- ;\n, $$;$$, \"a;\" /* ; /* ; */ */ ;\n  select E'\\';'  ;"
	sts, err := Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	if len(sts) != 3 {
		t.Fatalf("got %d statements", len(sts))
	}
	if sts[0].Text != "select 1" || sts[0].Offset != 0 {
		t.Errorf("first: %q %d", sts[0].Text, sts[0].Offset)
	}
	if q[sts[2].Offset:sts[2].Offset+len(sts[2].Text)] != sts[2].Text || sts[2].Text != `select E'\';'` {
		t.Errorf("third: %q", sts[2].Text)
	}
	if sts, _ := Parse(" ; -- nothing\n"); len(sts) != 0 {
		t.Errorf("empty statements kept: %v", sts)
	}
}

func TestReturning(t *testing.T) {
	sts, err := Parse("insert into t (a) values (1) returning a, b + 1 as c")
	if err != nil {
		t.Fatal(err)
	}
	if sts[0].Returning == nil || len(sts[0].Returning.Fields) != 2 || sts[0].Returning.Fields[1].AsName.L != "c" {
		t.Errorf("returning: %#v", sts[0].Returning)
	}
}

func FuzzParse(f *testing.F) {
	for _, c := range rewriteCases {
		f.Add(c.in)
	}
	for _, s := range []string{"create source s (a int, watermark for a as a - 1) with (topic='x')", "copy (subscribe x) to stdout", "select $$", "select E'\\u12", "select ((", "explain explain", "select a[1:2]::int[]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		var sts []Statement
		var err error
		done := make(chan struct{})
		go func() { sts, err = Parse(q); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%q: Parse takes more than 5s", q)
		}
		if err != nil {
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("%q: error is %T", q, err)
			}
			if e.Code == CodeInternal {
				t.Fatalf("%q: internal error: %v", q, e)
			}
			return
		}
		for _, s := range sts {
			if (s.AST == nil) == (s.Own == nil) {
				t.Fatalf("%q: statement with AST %v and Own %v", q, s.AST, s.Own)
			}
		}
	})
}
