package dev.sculptor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.sculptor.api.v1.ModelRegistryGrpc;
import org.junit.jupiter.api.Test;

/**
 * The CLI stays light: the generated blocking stubs load without Quarkus or Mutiny. (Its commands
 * are exercised against the real registry on the local stack by {@code e2e/StackEndToEndIT}.)
 */
class ClasspathTest {
    @Test
    void generatedBlockingStubsLoadWithoutQuarkus() throws Exception {
        assertEquals("sculptor.v1.ModelRegistry", ModelRegistryGrpc.getServiceDescriptor().getName());
        assertEquals(16, ModelRegistryGrpc.getServiceDescriptor().getMethods().size());
        ModelRegistryGrpc.ModelRegistryBlockingStub.class.getMethod("getModel", dev.sculptor.api.v1.GetModelRequest.class);
        assertEquals("sculptor.v1.Pruning", dev.sculptor.api.v1.PruningGrpc.getServiceDescriptor().getName());
        assertEquals("sculptor.v1.Training", dev.sculptor.api.v1.TrainingGrpc.getServiceDescriptor().getName());
        dev.sculptor.api.v1.TrainingGrpc.TrainingBlockingStub.class.getMethod("createTrainingRun",
                dev.sculptor.api.v1.CreateTrainingRunRequest.class);
        assertFalse(isLoadable("io.quarkus.grpc.MutinyStub"), "quarkus-grpc must not be on the CLI's class path");
        assertFalse(isLoadable("io.smallrye.mutiny.Uni"), "Mutiny must not be on the CLI's class path");
    }

    private static boolean isLoadable(String cls) {
        try {
            Class.forName(cls, false, ClasspathTest.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
