"""SQLAlchemy 1.4 (Debian's) over psycopg2 against eddy: run by
cmd/eddy/clients_test.go as

    python3 sqlalchemy_test.py postgres://user@host:port/db

Prints each check; keeps going after a mismatch or a failed step and exits
non-zero at the end if any failed. The expected values are what
PostgreSQL 15 gives.
"""
import datetime
import sys
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import inspect

url = sys.argv[1]
if url.startswith("postgres://"):
    url = "postgresql+psycopg2://" + url[len("postgres://"):]
failures = []


def check(what, got, want):
    if got != want:
        print(f"FAIL {what}:\n  got  {got!r}\n  want {want!r}")
        failures.append(what)
    else:
        print(f"ok   {what}")


def step(what, fn):
    """Runs fn; an exception is a failure of this step only."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - report everything the driver raises
        msg = str(e).strip().splitlines()
        print(f"FAIL {what}: {type(e).__name__}: {' | '.join(msg[:3])}")
        failures.append(what)


print(f"sqlalchemy {sa.__version__}")
engine = sa.create_engine(url, future=True)
meta = sa.MetaData()
parent = sa.Table(
    "sa_parent",
    meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("created", sa.DateTime),
)
child = sa.Table(
    "sa_child",
    meta,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("sa_parent.id", name="sa_child_parent_fk")),
    sa.Column("amount", sa.Numeric(12, 2)),
    sa.Column("note", sa.String(40)),
    sa.Column("flag", sa.Boolean, server_default=sa.text("false")),
)


def setup():
    with engine.begin() as c:
        c.execute(sa.text("DROP MATERIALIZED VIEW IF EXISTS sa_mview"))
        c.execute(sa.text("DROP VIEW IF EXISTS sa_view"))
        c.execute(sa.text("DROP TABLE IF EXISTS sa_child"))
        c.execute(sa.text("DROP TABLE IF EXISTS sa_parent"))
    meta.create_all(engine)
    with engine.begin() as c:
        c.execute(sa.text("CREATE VIEW sa_view AS SELECT id, name FROM sa_parent WHERE id > 1"))
    # CREATE MATERIALIZED VIEW cannot run inside a transaction block (eddy).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(sa.text(
            "CREATE MATERIALIZED VIEW sa_mview AS SELECT parent_id, count(*) AS n, sum(amount) AS total "
            "FROM sa_child GROUP BY parent_id"))
        c.execute(sa.text("CREATE INDEX sa_mview_total ON sa_mview (total, n)"))


def core():
    t0 = datetime.datetime(2024, 5, 6, 7, 8, 9)
    with engine.begin() as c:
        c.execute(parent.insert(), [{"id": i, "name": f"p{i}", "created": t0} for i in range(1, 4)])
        c.execute(
            child.insert(),
            [
                {"id": 10, "parent_id": 1, "amount": Decimal("1.50"), "note": "a"},
                {"id": 11, "parent_id": 1, "amount": Decimal("2.25"), "note": "b"},
            ],
        )
        c.execute(child.insert().values(id=12, parent_id=3, amount=None, note=None, flag=True))
    with engine.connect() as c:
        rows = c.execute(sa.select(parent).order_by(parent.c.id)).all()
        check("select parent", [tuple(r) for r in rows], [(1, "p1", t0), (2, "p2", t0), (3, "p3", t0)])
        q = (
            sa.select(parent.c.name, sa.func.count(child.c.id).label("n"), sa.func.sum(child.c.amount).label("total"))
            .select_from(parent.outerjoin(child, child.c.parent_id == parent.c.id))
            .where(parent.c.id >= sa.bindparam("lo"))
            .group_by(parent.c.name)
            .order_by(parent.c.name)
        )
        rows = c.execute(q, {"lo": 1}).all()
        check(
            "join group by",
            [tuple(r) for r in rows],
            [("p1", 2, Decimal("3.75")), ("p2", 0, None), ("p3", 1, None)],
        )
        rows = c.execute(sa.select(child.c.id, child.c.flag).order_by(child.c.id)).all()
        check("server default", [tuple(r) for r in rows], [(10, False), (11, False), (12, True)])
        rows = c.execute(sa.text("SELECT * FROM sa_view ORDER BY id")).all()
        check("select view", [tuple(r) for r in rows], [(2, "p2"), (3, "p3")])
    with engine.begin() as c:
        res = c.execute(child.update().where(child.c.parent_id == 1).values(note="upd"))
        check("update rowcount", res.rowcount, 2)
        res = c.execute(child.delete().where(child.c.id == 12))
        check("delete rowcount", res.rowcount, 1)
    with engine.connect() as c:
        check("count after", c.execute(sa.select(sa.func.count()).select_from(child)).scalar_one(), 2)


def inspector():
    """Each Inspector call is its own step: one failing query hides no other."""
    insp = inspect(engine)

    def schemas():
        check("default schema", insp.default_schema_name, "public")
        names = insp.get_schema_names()
        check("get_schema_names has public", "public" in names, True)
        check("get_schema_names hides pg_catalog", "pg_catalog" in names, False)
        check("get_schema_names lists information_schema", "information_schema" in names, True)

    def tables():
        names = insp.get_table_names()
        check("get_table_names", sorted(t for t in names if t.startswith("sa_")), ["sa_child", "sa_parent"])
        check("has_table", (insp.has_table("sa_parent"), insp.has_table("sa_nope")), (True, False))

    def views():
        # SQLAlchemy 1.4's PostgreSQL get_view_names lists materialized views
        # too unless told otherwise; 2.0 lists plain views only.
        names = insp.get_view_names() if hasattr(insp, "get_materialized_view_names") else insp.get_view_names(include=("plain",))
        check("get_view_names", sorted(v for v in names if v.startswith("sa_")), ["sa_view"])
        # PostgreSQL deparses the view ("SELECT sa_parent.id, sa_parent.name
        # FROM sa_parent WHERE (sa_parent.id > 1);"); eddy keeps the text it
        # was given. Either way it is the view's query.
        d = " ".join(insp.get_view_definition("sa_view").split())
        check("get_view_definition", (d.startswith("SELECT"), "FROM sa_parent" in d), (True, True))

    def matviews():
        if hasattr(insp, "get_materialized_view_names"):  # SQLAlchemy 2
            names, plain = insp.get_materialized_view_names(), insp.get_view_names()
        else:  # 1.4: get_view_names(include=...) of the PostgreSQL dialect
            names, plain = insp.get_view_names(include=("materialized",)), insp.get_view_names(include=("plain",))
        check("get_materialized_view_names", sorted(v for v in names if v.startswith("sa_")), ["sa_mview"])
        check("matview not among views", "sa_mview" in plain, False)
        check("matview not among tables", "sa_mview" in insp.get_table_names(), False)
        check(
            "get_columns matview",
            [(c["name"], str(c["type"])) for c in insp.get_columns("sa_mview")],
            [("parent_id", "INTEGER"), ("n", "BIGINT"), ("total", "NUMERIC")],
        )
        d = " ".join(insp.get_view_definition("sa_mview").split())
        check("get_view_definition matview", (d.startswith("SELECT"), "sa_child" in d), (True, True))

    def columns():
        cols = insp.get_columns("sa_child")
        check(
            "get_columns",
            [(c["name"], str(c["type"]), c["nullable"], c["default"]) for c in cols],
            [
                ("id", "BIGINT", False, None),
                ("parent_id", "INTEGER", True, None),
                ("amount", "NUMERIC(12, 2)", True, None),
                ("note", "VARCHAR(40)", True, None),
                ("flag", "BOOLEAN", True, "false"),
            ],
        )
        cols = insp.get_columns("sa_parent")
        check(
            "get_columns parent",
            [(c["name"], str(c["type"]), c["nullable"]) for c in cols],
            [("id", "INTEGER", False), ("name", "TEXT", False), ("created", "TIMESTAMP", True)],
        )
        check("get_columns view", [c["name"] for c in insp.get_columns("sa_view")], ["id", "name"])

    def pk():
        check(
            "get_pk_constraint",
            insp.get_pk_constraint("sa_child"),
            {"constrained_columns": ["id"], "name": "sa_child_pkey"},
        )

    def fks():
        check(
            "get_foreign_keys",
            insp.get_foreign_keys("sa_child"),
            [
                {
                    "name": "sa_child_parent_fk",
                    "constrained_columns": ["parent_id"],
                    "referred_schema": None,
                    "referred_table": "sa_parent",
                    "referred_columns": ["id"],
                    "options": {},
                }
            ],
        )
        check("get_foreign_keys none", insp.get_foreign_keys("sa_parent"), [])

    def idx():
        check("get_indexes without secondary indexes", insp.get_indexes("sa_parent"), [])
        # What PostgreSQL 15 answers for the same index.
        check(
            "get_indexes matview",
            insp.get_indexes("sa_mview"),
            [{"name": "sa_mview_total", "unique": False, "column_names": ["total", "n"], "include_columns": [],
              "dialect_options": {"postgresql_include": []}}],
        )
        check("get_unique_constraints", insp.get_unique_constraints("sa_parent"), [])

    def comment():
        check("get_table_comment", insp.get_table_comment("sa_parent"), {"text": None})

    def reflect():
        # Reflection drives all of the above at once.
        t = sa.Table("sa_child", sa.MetaData(), autoload_with=engine)
        check("reflected columns", [c.name for c in t.columns], ["id", "parent_id", "amount", "note", "flag"])
        check("reflected fk", [fk.target_fullname for fk in t.foreign_keys], ["sa_parent.id"])

    for name, fn in [
        ("inspector schemas", schemas),
        ("inspector tables", tables),
        ("inspector views", views),
        ("inspector materialized views", matviews),
        ("inspector columns", columns),
        ("inspector pk", pk),
        ("inspector foreign keys", fks),
        ("inspector indexes", idx),
        ("inspector comment", comment),
        ("reflection", reflect),
    ]:
        step(name, fn)


def indexes():
    # Column(index=True) and Index() are everyday SQLAlchemy; they send CREATE INDEX.
    ix = sa.Index("sa_child_note_ix", child.c.note)
    ix.create(engine)
    ux = sa.Index("sa_child_amount_ux", child.c.amount, child.c.parent_id, unique=True)
    ux.create(engine)
    insp = inspect(engine)
    got = sorted(
        (i["name"], i["column_names"], i["unique"]) for i in insp.get_indexes("sa_child")
    )
    check(
        "get_indexes",
        got,
        [("sa_child_amount_ux", ["amount", "parent_id"], True), ("sa_child_note_ix", ["note"], False)],
    )


def pandas_read_sql():
    try:
        import pandas as pd
    except ImportError:
        print("note pandas is not installed: read_sql not checked")
        return
    df = pd.read_sql(sa.select(parent.c.id, parent.c.name).order_by(parent.c.id), engine)
    check("pandas read_sql", df.to_dict("list"), {"id": [1, 2, 3], "name": ["p1", "p2", "p3"]})


def matview_in_transaction():
    """Alembic runs a migration's DDL in one transaction. PostgreSQL creates
    the materialized view there (and ROLLBACK takes it back); eddy refuses
    with 25001 active_sql_transaction, the code of statements that cannot
    run in a transaction block, which Alembic users meet with
    op.get_context().autocommit_block()."""
    import psycopg2.errors

    try:
        with engine.begin() as c:
            c.execute(sa.text("CREATE MATERIALIZED VIEW sa_tx_mview AS SELECT count(*) AS n FROM sa_parent"))
            c.execute(sa.text("SELECT n FROM sa_tx_mview")).all()
            c.rollback()
        outcome = "created"
    except sa.exc.DBAPIError as e:
        outcome = getattr(e.orig, "pgcode", None)
        check("matview in transaction refused clearly",
              (outcome, "cannot run inside a transaction block" in str(e.orig)), ("25001", True))
    check("matview in transaction: PostgreSQL's outcome or 25001", outcome in ("created", "25001"), True)
    check("matview in transaction left nothing", inspect(engine).has_table("sa_tx_mview"), False)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(sa.text("CREATE MATERIALIZED VIEW sa_tx_mview AS SELECT count(*) AS n FROM sa_parent"))
        check("matview outside a transaction", c.execute(sa.text("SELECT n FROM sa_tx_mview")).scalar_one(), 3)
        c.execute(sa.text("DROP MATERIALIZED VIEW sa_tx_mview"))


def teardown():
    with engine.begin() as c:
        c.execute(sa.text("DROP MATERIALIZED VIEW sa_mview"))
        c.execute(sa.text("DROP VIEW sa_view"))
    meta.drop_all(engine)


step("create tables", setup)
step("core insert/select", core)
inspector()
step("indexes", indexes)
step("pandas", pandas_read_sql)
step("matview in a transaction", matview_in_transaction)
step("drop", teardown)
engine.dispose()
if failures:
    print(f"sqlalchemy: {len(failures)} failed: {', '.join(failures)}")
    sys.exit(1)
print("sqlalchemy: all checks passed")
