package dev.sculptor.platform.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.testing.EmbeddedPostgresDb;
import java.lang.reflect.Proxy;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Transactions and Rows against real PostgreSQL. */
class TransactionsTest {
    static EmbeddedPostgresDb pg;
    static DataSource ds;

    /** What a service makes of a database error. */
    static final class Down extends RuntimeException {
        Down(String message, SQLException cause) {
            super(message, cause);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        pg = EmbeddedPostgresDb.start();
        String url = pg.jdbcUrl("transactions_test");
        ds = (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("getConnection")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    return DriverManager.getConnection(url, pg.user(), pg.password());
                });
        run(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE items (seq BIGSERIAL PRIMARY KEY, id TEXT UNIQUE NOT NULL, kind TEXT NOT NULL)");
            }
            return null;
        });
    }

    @AfterAll
    static void stop() {
        pg.close();
    }

    static <T> T run(Transactions.Work<T> work) {
        return Transactions.inTransaction(ds, Down::new, work);
    }

    static void insert(java.sql.Connection c, String id, String kind) throws SQLException {
        try (var ps = c.prepareStatement("INSERT INTO items (id, kind) VALUES (?, ?)")) {
            ps.setString(1, id);
            ps.setString(2, kind);
            ps.executeUpdate();
        }
    }

    static List<String> ids(ListFilter filter, long beforeSeq, int limit) {
        return run(c -> Rows.newestFirst(c, "items", "seq, id", filter, beforeSeq, limit, rs -> rs.getString("id")));
    }

    @Test
    void commitsWorkThatReturnsAndRollsBackWorkThatThrows() {
        run(c -> {
            insert(c, "kept", "a");
            return null;
        });
        IllegalStateException thrown = new IllegalStateException("changed my mind");
        assertSame(thrown, assertThrows(IllegalStateException.class, () -> run(c -> {
            insert(c, "dropped", "a");
            throw thrown;
        })));
        assertTrue(ids(ListFilter.NONE, 0, 100).contains("kept"));
        assertFalse(ids(ListFilter.NONE, 0, 100).contains("dropped"));
    }

    @Test
    void aDatabaseErrorBecomesTheCallersExceptionAndRollsBack() {
        Down e = assertThrows(Down.class, () -> run(c -> {
            insert(c, "twice", "b");
            insert(c, "twice", "b");
            return null;
        }));
        assertTrue(e.getMessage().startsWith("database error: "), e.getMessage());
        assertEquals("23505", ((SQLException) e.getCause()).getSQLState());
        assertFalse(ids(ListFilter.NONE, 0, 100).contains("twice"));
    }

    @Test
    void aDatabaseErrorIsAPlatformExceptionByDefault() {
        PlatformException taken = assertThrows(PlatformException.class, () -> Transactions.inTransaction(ds, c -> {
            insert(c, "unique", "c");
            insert(c, "unique", "c");
            return null;
        }));
        assertEquals(PlatformException.Code.ALREADY_EXISTS, taken.code());
        assertTrue(taken.getMessage().startsWith("already exists: "), taken.getMessage());
        assertFalse(ids(ListFilter.NONE, 0, 100).contains("unique"));
        PlatformException broken = assertThrows(PlatformException.class, () -> Transactions.inTransaction(ds, c -> {
            try (Statement st = c.createStatement()) {
                return st.execute("SELECT * FROM no_such_table");
            }
        }));
        assertEquals(PlatformException.Code.UNAVAILABLE, broken.code());
        assertTrue(broken.getMessage().startsWith("database error: "), broken.getMessage());
    }

    @Test
    void aTableFindsOneRowByAColumn() {
        Table<String> items = new Table<>("items", "seq, id, kind", rs -> rs.getString("id") + ":" + rs.getString("kind"));
        run(c -> {
            insert(c, "found", "t");
            return null;
        });
        assertEquals(java.util.Optional.of("found:t"), run(c -> items.one(c, "id", "found", true)));
        assertEquals(java.util.Optional.empty(), run(c -> items.one(c, "id", "missing", false)));
        assertEquals(java.util.Optional.empty(), run(c -> items.one(c, "id", null, false)));
        assertEquals(List.of("found:t"), run(c -> items.newestFirst(c, ListFilter.fields("kind").parse("kind = t"), 0, 10)));
    }

    @Test
    void pagesNewestFirstBelowASequenceNumber() {
        run(c -> {
            for (String id : List.of("p1", "p2", "p3", "p4")) {
                insert(c, id, "paged");
            }
            return null;
        });
        ListFilter paged = ListFilter.fields("kind").parse("kind = \"paged\"");
        assertEquals(List.of("p4", "p3"), ids(paged, 0, 2));
        long p3 = run(c -> Rows.list(c, "SELECT seq FROM items WHERE id = ?", List.of("p3"), rs -> rs.getLong(1))).get(0);
        assertEquals(List.of("p2", "p1"), ids(paged, p3, 10));
    }
}
