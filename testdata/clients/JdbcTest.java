// pgjdbc (Debian's libpostgresql-jdbc-java) against eddy. cmd/eddy/clients_test.go
// compiles it at test time and runs
//
//     java -cp DIR:/usr/share/java/postgresql.jar JdbcTest jdbc:postgresql://host:port/db user
//
// It does what BI tools (Metabase, DBeaver, Tableau) do first: DatabaseMetaData,
// then prepared statements and cursors. Prints each check; keeps going after a
// mismatch or a failed step and exits 1 at the end if any failed. The expected
// values are what PostgreSQL 15 gives.

import java.math.BigDecimal;
import java.sql.*;
import java.util.*;

public class JdbcTest {
    static final List<String> failures = new ArrayList<>();
    static Connection conn;

    static void check(String what, Object got, Object want) {
        if (!Objects.equals(got, want)) {
            System.out.println("FAIL " + what + ":\n  got  " + got + "\n  want " + want);
            failures.add(what);
        } else {
            System.out.println("ok   " + what);
        }
    }

    interface Step { void run() throws Exception; }

    static void step(String what, Step s) {
        try {
            s.run();
        } catch (Exception e) {
            String msg = String.valueOf(e.getMessage()).replace('\n', ' ');
            String state = e instanceof SQLException ? " [SQLSTATE " + ((SQLException) e).getSQLState() + "]" : "";
            System.out.println("FAIL " + what + ": " + e.getClass().getSimpleName() + state + ": " + msg);
            failures.add(what);
            try {
                if (!conn.getAutoCommit()) conn.rollback();
            } catch (SQLException ignored) {
            }
        }
    }

    static List<List<Object>> rows(ResultSet rs, String... cols) throws SQLException {
        List<List<Object>> out = new ArrayList<>();
        while (rs.next()) {
            List<Object> r = new ArrayList<>();
            for (String c : cols) r.add(rs.getObject(c));
            out.add(r);
        }
        rs.close();
        return out;
    }

    static List<Object> row(Object... vals) { return Arrays.asList(vals); }

    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.setProperty("user", args[1]);
        if (args.length > 2) p.setProperty("password", args[2]);
        p.setProperty("ApplicationName", "eddy-jdbc-test");
        conn = DriverManager.getConnection(args[0], p);
        DatabaseMetaData md = conn.getMetaData();
        System.out.println("connected: " + md.getDatabaseProductName() + " " + md.getDatabaseProductVersion()
                + " via " + md.getDriverName() + " " + md.getDriverVersion());
        String catalog = conn.getCatalog();

        step("setup", () -> {
            try (Statement s = conn.createStatement()) {
                s.execute("DROP MATERIALIZED VIEW IF EXISTS jdbc_mv");
                s.execute("DROP VIEW IF EXISTS jdbc_v");
                s.execute("DROP TABLE IF EXISTS jdbc_items");
                s.execute("CREATE TABLE jdbc_items (id BIGINT PRIMARY KEY, name VARCHAR(50) NOT NULL, "
                        + "price NUMERIC(10,2), qty INT DEFAULT 0, seen TIMESTAMP, ok BOOLEAN)");
                s.execute("CREATE VIEW jdbc_v AS SELECT id, name FROM jdbc_items");
                s.execute("CREATE MATERIALIZED VIEW jdbc_mv AS SELECT ok, count(*) AS n, sum(price) AS total FROM jdbc_items GROUP BY ok");
                s.execute("CREATE INDEX jdbc_mv_total ON jdbc_mv (total, n)");
            }
        });

        step("getCatalogs", () -> {
            List<List<Object>> cats = rows(md.getCatalogs(), "TABLE_CAT");
            check("getCatalogs has current", cats.contains(row(catalog)), true);
        });
        step("getSchemas", () -> {
            List<List<Object>> s = rows(md.getSchemas(), "TABLE_SCHEM");
            check("getSchemas has public", s.contains(row("public")), true);
            check("getSchemas has pg_catalog", s.contains(row("pg_catalog")), true);
            check("getSchemas(pattern)", rows(md.getSchemas(null, "pub%"), "TABLE_SCHEM"), List.of(row("public")));
        });
        step("getTableTypes", () -> {
            List<List<Object>> t = rows(md.getTableTypes(), "TABLE_TYPE");
            check("getTableTypes has TABLE and VIEW", t.contains(row("TABLE")) && t.contains(row("VIEW")), true);
            check("getTableTypes has MATERIALIZED VIEW", t.contains(row("MATERIALIZED VIEW")), true);
        });
        step("getTables", () -> {
            check("getTables", rows(md.getTables(null, "public", "jdbc_%", null), "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE"),
                    List.of(row("public", "jdbc_items_pkey", "INDEX"), row("public", "jdbc_mv_total", "INDEX"),
                            row("public", "jdbc_mv", "MATERIALIZED VIEW"),
                            row("public", "jdbc_items", "TABLE"), row("public", "jdbc_v", "VIEW")));
            check("getTables(MATERIALIZED VIEW)",
                    rows(md.getTables(null, null, "jdbc_%", new String[] {"MATERIALIZED VIEW"}), "TABLE_NAME", "TABLE_TYPE"),
                    List.of(row("jdbc_mv", "MATERIALIZED VIEW")));
            check("getColumns(matview)", rows(md.getColumns(null, "public", "jdbc_mv", null), "COLUMN_NAME", "TYPE_NAME", "ORDINAL_POSITION"),
                    List.of(row("ok", "bool", 1), row("n", "int8", 2), row("total", "numeric", 3)));
            check("getTables(TABLE)", rows(md.getTables(null, null, "jdbc_%", new String[] {"TABLE"}), "TABLE_NAME"),
                    List.of(row("jdbc_items")));
        });
        step("getColumns", () -> {
            check("getColumns",
                    rows(md.getColumns(null, "public", "jdbc_items", "%"), "COLUMN_NAME", "DATA_TYPE", "TYPE_NAME",
                            "COLUMN_SIZE", "DECIMAL_DIGITS", "NULLABLE", "COLUMN_DEF", "ORDINAL_POSITION", "IS_AUTOINCREMENT"),
                    List.of(row("id", Types.BIGINT, "int8", 19, 0, DatabaseMetaData.columnNoNulls, null, 1, "NO"),
                            row("name", Types.VARCHAR, "varchar", 50, 0, DatabaseMetaData.columnNoNulls, null, 2, "NO"),
                            row("price", Types.NUMERIC, "numeric", 10, 2, DatabaseMetaData.columnNullable, null, 3, "NO"),
                            row("qty", Types.INTEGER, "int4", 10, 0, DatabaseMetaData.columnNullable, "0", 4, "NO"),
                            row("seen", Types.TIMESTAMP, "timestamp", 29, 6, DatabaseMetaData.columnNullable, null, 5, "NO"),
                            row("ok", Types.BIT, "bool", 1, 0, DatabaseMetaData.columnNullable, null, 6, "NO")));
        });
        step("getPrimaryKeys", () -> {
            check("getPrimaryKeys", rows(md.getPrimaryKeys(null, "public", "jdbc_items"), "COLUMN_NAME", "KEY_SEQ", "PK_NAME"),
                    List.of(row("id", 1, "jdbc_items_pkey")));
        });
        step("getIndexInfo", () -> {
            check("getIndexInfo", rows(md.getIndexInfo(null, "public", "jdbc_items", false, false), "INDEX_NAME", "NON_UNIQUE", "COLUMN_NAME"),
                    List.of(row("jdbc_items_pkey", false, "id")));
            check("getIndexInfo(matview)", rows(md.getIndexInfo(null, "public", "jdbc_mv", false, false), "INDEX_NAME", "NON_UNIQUE", "COLUMN_NAME"),
                    List.of(row("jdbc_mv_total", true, "total"), row("jdbc_mv_total", true, "n")));
        });
        step("getTypeInfo", () -> {
            Map<String, Object> types = new HashMap<>();
            ResultSet rs = md.getTypeInfo();
            int n = 0;
            while (rs.next()) {
                types.put(rs.getString("TYPE_NAME"), rs.getInt("DATA_TYPE"));
                n++;
            }
            rs.close();
            check("getTypeInfo has many types", n > 30, true);
            check("getTypeInfo int8", types.get("int8"), Types.BIGINT);
            check("getTypeInfo text", types.get("text"), Types.VARCHAR);
            check("getTypeInfo numeric", types.get("numeric"), Types.NUMERIC);
            check("getTypeInfo timestamptz", types.get("timestamptz"), Types.TIMESTAMP);
        });
        step("getFunctions", () -> {
            List<List<Object>> f = rows(md.getFunctions(null, "pg_catalog", "abs"), "FUNCTION_SCHEM", "FUNCTION_NAME");
            check("getFunctions(abs)", !f.isEmpty() && f.get(0).equals(row("pg_catalog", "abs")), true);
            rows(md.getFunctions(null, null, "%"), "FUNCTION_NAME");
            rows(md.getProcedures(null, "public", "%"), "PROCEDURE_NAME");
        });

        step("insert", () -> {
            try (PreparedStatement ps = conn.prepareStatement(
                    "INSERT INTO jdbc_items (id, name, price, qty, seen, ok) VALUES (?, ?, ?, ?, ?, ?)")) {
                for (int i = 1; i <= 100; i++) {
                    ps.setLong(1, i);
                    ps.setString(2, "item " + i);
                    ps.setBigDecimal(3, new BigDecimal(i + ".25"));
                    ps.setInt(4, i * 2);
                    ps.setTimestamp(5, Timestamp.valueOf("2024-01-02 03:04:05.123456"));
                    ps.setBoolean(6, i % 2 == 0);
                    ps.addBatch();
                }
                int[] counts = ps.executeBatch();
                check("executeBatch", counts.length, 100);
            }
        });

        step("prepared statement x10", () -> {
            // From the 5th execution pgjdbc uses a named server-side statement
            // and asks for binary results.
            try (PreparedStatement ps = conn.prepareStatement(
                    "SELECT id, name, price, qty, seen, ok FROM jdbc_items WHERE id = ? AND name <> ?")) {
                for (int i = 1; i <= 10; i++) {
                    ps.setLong(1, i * 7);
                    ps.setString(2, "x");
                    try (ResultSet rs = ps.executeQuery()) {
                        boolean has = rs.next();
                        List<Object> got = has ? row(rs.getLong(1), rs.getString(2), rs.getBigDecimal(3), rs.getInt(4),
                                rs.getTimestamp(5), rs.getBoolean(6)) : null;
                        check("execution " + i, got, row((long) i * 7, "item " + i * 7, new BigDecimal(i * 7 + ".25"),
                                i * 14, Timestamp.valueOf("2024-01-02 03:04:05.123456"), (i * 7) % 2 == 0));
                    }
                }
            }
            try (PreparedStatement ps = conn.prepareStatement("SELECT ?::int + 1, ?::text || '!', ?::float8 * 2")) {
                for (int i = 1; i <= 6; i++) {
                    ps.setInt(1, i);
                    ps.setString(2, "s" + i);
                    ps.setDouble(3, i + 0.5);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        check("expression execution " + i, row(rs.getInt(1), rs.getString(2), rs.getDouble(3)),
                                row(i + 1, "s" + i + "!", (i + 0.5) * 2));
                    }
                }
            }
        });

        step("update via prepared", () -> {
            try (PreparedStatement ps = conn.prepareStatement("UPDATE jdbc_items SET qty = qty + ? WHERE id <= ?")) {
                ps.setInt(1, 1000);
                ps.setLong(2, 3);
                check("executeUpdate", ps.executeUpdate(), 3);
            }
        });

        step("fetch size cursor", () -> {
            // setFetchSize with autocommit off: named portal, Execute with a row limit.
            conn.setAutoCommit(false);
            try (PreparedStatement ps = conn.prepareStatement("SELECT id, name FROM jdbc_items ORDER BY id")) {
                ps.setFetchSize(10);
                try (ResultSet rs = ps.executeQuery()) {
                    long sum = 0;
                    int n = 0;
                    while (rs.next()) {
                        n++;
                        sum += rs.getLong(1);
                        if (!rs.getString(2).equals("item " + rs.getLong(1))) check("row " + n, rs.getString(2), "item " + rs.getLong(1));
                    }
                    check("fetch size rows", n, 100);
                    check("fetch size sum", sum, 5050L);
                }
            }
            try (Statement s = conn.createStatement()) {
                s.setFetchSize(7);
                try (ResultSet rs = s.executeQuery("SELECT id FROM jdbc_items WHERE id > 80 ORDER BY id DESC")) {
                    int n = 0;
                    while (rs.next()) n++;
                    check("statement fetch size rows", n, 20);
                }
            }
            conn.commit();
            conn.setAutoCommit(true);
        });

        step("transaction rollback", () -> {
            conn.setAutoCommit(false);
            try (Statement s = conn.createStatement()) {
                s.executeUpdate("DELETE FROM jdbc_items WHERE id > 50");
                conn.rollback();
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM jdbc_items")) {
                    rs.next();
                    check("rollback", rs.getLong(1), 100L);
                }
            }
            conn.commit();
            conn.setAutoCommit(true);
        });

        step("errors", () -> {
            try (Statement s = conn.createStatement()) {
                try {
                    s.executeUpdate("INSERT INTO jdbc_items (id, name) VALUES (1, 'dup')");
                    check("unique violation", "no error", "23505");
                } catch (SQLException e) {
                    check("unique violation", e.getSQLState(), "23505");
                }
                try {
                    s.executeQuery("SELECT * FROM jdbc_missing");
                    check("undefined table", "no error", "42P01");
                } catch (SQLException e) {
                    check("undefined table", e.getSQLState(), "42P01");
                }
            }
        });

        step("result set metadata", () -> {
            try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT id, name, price FROM jdbc_items LIMIT 1")) {
                ResultSetMetaData m = rs.getMetaData();
                check("rsmd", row(m.getColumnCount(), m.getColumnName(1), m.getColumnTypeName(1), m.getColumnType(3),
                        m.getTableName(2), m.isNullable(2), m.getPrecision(3), m.getScale(3)),
                        row(3, "id", "int8", Types.NUMERIC, "jdbc_items", ResultSetMetaData.columnNoNulls, 10, 2));
            }
        });

        step("isValid", () -> check("isValid", conn.isValid(5), true));

        // Foreign keys as BI tools (DBeaver, Tableau, Metabase's older sync)
        // read them, and the sort order of index columns (ASC_OR_DESC).
        step("foreign keys", () -> {
            try (Statement s = conn.createStatement()) {
                s.execute("DROP TABLE IF EXISTS jdbc_orders");
                s.execute("CREATE TABLE jdbc_orders (id BIGINT PRIMARY KEY, item BIGINT REFERENCES jdbc_items (id) ON DELETE CASCADE, qty INT)");
            }
            List<Object> fk = row("jdbc_items", "id", "jdbc_orders", "item", 1, DatabaseMetaData.importedKeyNoAction,
                    DatabaseMetaData.importedKeyCascade, "jdbc_orders_item_fkey", "jdbc_items_pkey");
            String[] cols = {"PKTABLE_NAME", "PKCOLUMN_NAME", "FKTABLE_NAME", "FKCOLUMN_NAME", "KEY_SEQ", "UPDATE_RULE",
                    "DELETE_RULE", "FK_NAME", "PK_NAME"};
            check("getImportedKeys", rows(md.getImportedKeys(null, "public", "jdbc_orders"), cols), List.of(fk));
            check("getExportedKeys", rows(md.getExportedKeys(null, "public", "jdbc_items"), cols), List.of(fk));
            check("getCrossReference", rows(md.getCrossReference(null, "public", "jdbc_items", null, "public", "jdbc_orders"), cols), List.of(fk));
            check("getIndexInfo ASC_OR_DESC", rows(md.getIndexInfo(null, "public", "jdbc_orders", false, false), "INDEX_NAME", "COLUMN_NAME", "ASC_OR_DESC"),
                    List.of(row("jdbc_orders_pkey", "id", "A")));
            try (Statement s = conn.createStatement()) {
                s.execute("DROP TABLE jdbc_orders");
            }
        });

        step("teardown", () -> {
            try (Statement s = conn.createStatement()) {
                s.execute("DROP MATERIALIZED VIEW jdbc_mv");
                s.execute("DROP VIEW jdbc_v");
                s.execute("DROP TABLE jdbc_items");
            }
        });
        conn.close();
        if (!failures.isEmpty()) {
            System.out.println("jdbc: " + failures.size() + " failed: " + String.join(", ", failures));
            System.exit(1);
        }
        System.out.println("jdbc: all checks passed");
    }
}
