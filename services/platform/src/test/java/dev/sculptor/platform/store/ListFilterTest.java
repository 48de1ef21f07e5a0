package dev.sculptor.platform.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sculptor.platform.errors.PlatformException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ListFilterTest {
    static final ListFilter.Fields FIELDS = ListFilter.fields("model_version", "prune_job")
            .withValues("state", List.of("RUNNING", "SUCCEEDED"));

    static String problem(String filter) {
        PlatformException e = assertThrows(PlatformException.class, () -> FIELDS.parse(filter));
        assertEquals(PlatformException.Code.INVALID_ARGUMENT, e.code());
        return e.getMessage();
    }

    @Test
    void termsBecomeAParametrisedCondition() {
        ListFilter f = FIELDS.parse("model_version = \"models/a AND b/versions/1\" AND state=SUCCEEDED  AND prune_job = \"x\\\"y\"");
        assertEquals(Map.of("model_version", "models/a AND b/versions/1", "state", "SUCCEEDED", "prune_job", "x\"y"), f.equals());
        StringBuilder sql = new StringBuilder("WHERE true");
        List<Object> args = new ArrayList<>();
        f.appendWhere(sql, args);
        assertEquals("WHERE true AND model_version = ? AND state = ? AND prune_job = ?", sql.toString());
        assertEquals(List.of("models/a AND b/versions/1", "SUCCEEDED", "x\"y"), args);
        assertSame(ListFilter.NONE, FIELDS.parse("  "));
        assertEquals(List.of("model_version", "prune_job", "state"), FIELDS.names());
    }

    @Test
    void anythingElseIsInvalidNamingTheTerm() {
        assertEquals("filter: cannot parse 'accuracy > 0.5'; expected field = \"value\" terms joined by AND, on "
                + "[model_version, prune_job, state]", problem("accuracy > 0.5"));
        assertEquals("filter: unknown field 'owner' (filterable: [model_version, prune_job, state])", problem("owner = \"me\""));
        assertEquals("filter: state must be one of [RUNNING, SUCCEEDED], got 'DONE'", problem("state = DONE"));
        assertEquals("filter: field 'state' appears twice", problem("state = RUNNING AND state = SUCCEEDED"));
    }

    /** The registry's fields: a substring match, a "has" on an array, a map keyed by name. */
    static final ListFilter.Fields REGISTRY = ListFilter.fields("display_name")
            .withCondition("name", "name LIKE '%' || ? || '%'")
            .withCondition("tags", "? = ANY(tags)")
            .withMap("labels", "labels ->> ? = ?", k -> k.toUpperCase());

    @Test
    void fieldsMayMatchByTheirOwnConditionAndMapFieldsByKey() {
        ListFilter f = REGISTRY.parse("labels.team = \"vision\" AND name:filt AND tags: \"a\" AND tags:b.1/x-y");
        StringBuilder sql = new StringBuilder("WHERE true");
        List<Object> args = new ArrayList<>();
        f.appendWhere(sql, args);
        assertEquals("WHERE true AND labels ->> ? = ? AND name LIKE '%' || ? || '%' AND ? = ANY(tags) AND ? = ANY(tags)", sql.toString());
        assertEquals(List.of("TEAM", "vision", "filt", "a", "b.1/x-y"), args);
        assertEquals(List.of("display_name", "labels.*", "name", "tags"), REGISTRY.names());
        // a plain column still matches by equality, with = or :, and only once
        ListFilter eq = REGISTRY.parse("display_name: \"My model\"");
        assertEquals(List.of("display_name = ?"), eq.conditions());
        assertEquals("filter: field 'display_name' appears twice",
                assertThrows(PlatformException.class, () -> REGISTRY.parse("display_name = a AND display_name = b")).getMessage());
        assertEquals("filter: unknown field 'owner.x' (filterable: [display_name, labels.*, name, tags])",
                assertThrows(PlatformException.class, () -> REGISTRY.parse("owner.x = \"me\"")).getMessage());
        assertEquals("filter: unknown field 'labels' (filterable: [display_name, labels.*, name, tags])",
                assertThrows(PlatformException.class, () -> REGISTRY.parse("labels = x")).getMessage());
    }
}
