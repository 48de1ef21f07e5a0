package dev.sculptor.engine.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.data.Batch;
import dev.sculptor.engine.data.BatchIterator;
import dev.sculptor.engine.data.ImageDataset;

/** Top-1 accuracy and mean cross-entropy of a network on a dataset, in eval mode. */
public final class Evaluator {
    private Evaluator() {}

    public record Result(double accuracy, double loss, int examples) {}

    public static Result evaluate(Network net, ImageDataset data, int batchSize) {
        double lossSum = 0;
        long correct = 0;
        int n = 0;
        BatchIterator it = BatchIterator.of(data, batchSize, false, false, 0, 0);
        while (it.hasNext()) {
            Batch b = it.next();
            try (NDScope scope = new NDScope(); NDManager m = net.manager().newSubManager()) {
                NDArray x = m.create(b.images(), new Shape(b.count(), b.channels(), b.height(), b.width()));
                NDArray y = m.create(b.labels()).toType(ai.djl.ndarray.types.DataType.INT64, false);
                NDArray logits = net.forward(x, false);
                lossSum += crossEntropySum(logits, y);
                correct += correct(logits, y);
                n += b.count();
            }
        }
        return new Result(n == 0 ? Double.NaN : (double) correct / n, n == 0 ? Double.NaN : lossSum / n, n);
    }

    /** Sum over the batch of -log softmax(logits)[label]. */
    public static double crossEntropySum(NDArray logits, NDArray labels) {
        return lossVector(logits, labels).sum().getFloat();
    }

    public static NDArray lossVector(NDArray logits, NDArray labels) {
        return logits.logSoftmax(1).mul(labels.oneHot((int) logits.getShape().get(1))).sum(new int[] {1}).neg();
    }

    public static long correct(NDArray logits, NDArray labels) {
        return logits.argMax(1).toType(labels.getDataType(), false).eq(labels).sum().getLong();
    }
}
