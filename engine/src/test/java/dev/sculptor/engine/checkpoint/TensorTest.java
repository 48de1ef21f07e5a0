package dev.sculptor.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TensorTest {

    @Test
    void sizeAndShape() {
        Tensor t = new Tensor("conv.weight", new long[] {2, 3, 1, 1}, new float[6]);
        assertEquals(6, t.size());
        assertEquals(4, t.rank());
        assertArrayEquals(new long[] {2, 3, 1, 1}, t.shape());
        assertEquals(1, new Tensor("s", new long[0], new float[] {7}).size());
        assertEquals(0, new Tensor("e", new long[] {0, 5}, new float[0]).size());
    }

    @Test
    void rejectsDataThatDoesNotMatchTheShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Tensor("fc.bias", new long[] {3}, new float[4]));
        assertTrue(e.getMessage().contains("fc.bias"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Tensor("x", new long[] {-1}, new float[0]));
        assertThrows(IllegalArgumentException.class, () -> new Tensor("", new long[] {1}, new float[1]));
        assertThrows(IllegalArgumentException.class,
                () -> new Tensor("x", new long[] {1L << 40, 1L << 40}, new float[0]));
    }

    @Test
    void shapeIsCopiedBothWays() {
        long[] shape = {2};
        Tensor t = new Tensor("a", shape, new float[2]);
        shape[0] = 5;
        t.shape()[0] = 9;
        assertArrayEquals(new long[] {2}, t.shape());
    }

    @Test
    void equalityIsByContent() {
        Tensor a = new Tensor("a", new long[] {3}, new float[] {1, Float.NaN, -0.0f});
        Tensor b = new Tensor("a", new long[] {3}, new float[] {1, Float.NaN, -0.0f});
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, new Tensor("a", new long[] {3}, new float[] {1, Float.NaN, 0.0f}));
        assertNotEquals(a, new Tensor("b", new long[] {3}, new float[] {1, Float.NaN, -0.0f}));
        assertNotEquals(a, new Tensor("a", new long[] {3, 1}, new float[] {1, Float.NaN, -0.0f}));
        assertEquals("Tensor[a [3]]", a.toString());
    }
}
