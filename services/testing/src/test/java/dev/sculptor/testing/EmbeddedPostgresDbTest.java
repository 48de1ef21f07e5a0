package dev.sculptor.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EmbeddedPostgresDbTest {

    private static EmbeddedPostgresDb db;

    @BeforeAll
    static void start() {
        db = EmbeddedPostgresDb.start();
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @Test
    void createInsertAndSelectOverJdbc() throws Exception {
        String url = db.jdbcUrl("registry");
        try (Connection c = DriverManager.getConnection(url, db.user(), db.password())) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE model_version (name text PRIMARY KEY, params bigint NOT NULL)");
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO model_version VALUES (?, ?)")) {
                insert.setString(1, "models/vgg/versions/1");
                insert.setLong(2, 14_991_946L);
                assertEquals(1, insert.executeUpdate());
            }
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT name, params, version() FROM model_version")) {
                assertTrue(rs.next());
                assertEquals("models/vgg/versions/1", rs.getString(1));
                assertEquals(14_991_946L, rs.getLong(2));
                assertTrue(rs.getString(3).startsWith("PostgreSQL"), rs.getString(3));
                assertFalse(rs.next());
            }
        }
        // Asking again keeps the database and its rows; another name is another database.
        assertEquals(url, db.jdbcUrl("registry"));
        try (Connection c = DriverManager.getConnection(db.jdbcUrl("registry"), db.user(), db.password());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM model_version")) {
            assertTrue(rs.next());
            assertEquals(1, rs.getInt(1));
        }
        try (Connection c = DriverManager.getConnection(db.jdbcUrl("pruning"), db.user(), db.password());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM information_schema.tables WHERE table_name = 'model_version'")) {
            assertTrue(rs.next());
            assertEquals(0, rs.getInt(1));
        }
    }

    @Test
    void theServerAsksForItsOwnRandomPasswordAsTheLocalStacksDoes() {
        assertTrue(db.password().matches("[0-9a-f]{32}"), "random, per server");
        String url = db.jdbcUrl("registry");
        assertThrows(SQLException.class, () -> DriverManager.getConnection(url, db.user(), "postgres").close());
        assertThrows(SQLException.class, () -> DriverManager.getConnection(url, db.user(), null).close());
    }

    @Test
    void refusesDatabaseNamesThatNeedQuoting() {
        assertThrows(IllegalArgumentException.class, () -> db.jdbcUrl("x\"; DROP DATABASE postgres; --"));
    }
}
