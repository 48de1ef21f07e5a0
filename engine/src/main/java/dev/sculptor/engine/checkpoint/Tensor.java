package dev.sculptor.engine.checkpoint;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named float32 tensor as stored in a {@link TensorFile}.
 *
 * <p>{@code data} is the row-major (C order) contents and is <em>not</em> copied, neither here nor by
 * {@link #data()}: checkpoints of tens of megabytes must not be duplicated in memory just to cross this
 * API. Treat the array as owned by the tensor after construction. {@code shape} is small and is copied.
 *
 * <p>Equality is by content (name, shape, and the float bit patterns as compared by
 * {@link Arrays#equals(float[], float[])}, so NaN equals NaN and {@code -0.0f} differs from {@code 0.0f}).
 *
 * @param name  non-empty, unique within a file (e.g. {@code features.3.weight})
 * @param shape dimensions, each non-negative; an empty shape is a scalar with one element
 * @param data  exactly {@code product(shape)} values
 */
public record Tensor(String name, long[] shape, float[] data) {

    public Tensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("tensor name must not be empty");
        }
        shape = shape.clone();
        long n;
        try {
            n = elementCount(shape);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tensor '" + name + "': " + e.getMessage(), e);
        }
        if (n != data.length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape)
                    + " has " + n + " elements but data has " + data.length);
        }
    }

    /** A copy, so that the shape validated at construction cannot drift from the data. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements. */
    public long size() {
        return data.length;
    }

    public int rank() {
        return shape.length;
    }

    /**
     * Number of elements of a tensor of this shape (1 for the scalar shape {@code []}).
     *
     * @throws IllegalArgumentException if a dimension is negative or the product overflows a long
     */
    public static long elementCount(long... shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " overflows a long");
            }
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t
                && name.equals(t.name)
                && Arrays.equals(shape, t.shape)
                && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), Arrays.hashCode(data));
    }

    /** Without the data, which may be millions of values. */
    @Override
    public String toString() {
        return "Tensor[" + name + " " + Arrays.toString(shape) + "]";
    }
}
