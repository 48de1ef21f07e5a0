package dev.sculptor.platform.plans;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The plan limits from {@code sculptor.plans.*}. */
@ApplicationScoped
public class PlanLimitsProducer {
    @ConfigProperty(name = "sculptor.plans.max-epochs", defaultValue = "1600")
    int maxEpochs;

    @ConfigProperty(name = "sculptor.plans.max-finetune-epochs", defaultValue = "1600")
    int maxFinetuneEpochs;

    @ConfigProperty(name = "sculptor.plans.max-batch-size", defaultValue = "4096")
    int maxBatchSize;

    @ConfigProperty(name = "sculptor.plans.max-subset", defaultValue = "1000000")
    int maxSubset;

    @ConfigProperty(name = "sculptor.plans.max-scratch-b-cap", defaultValue = "10.0")
    double maxScratchBCap;

    @Produces
    @Singleton // a record cannot be proxied
    @DefaultBean
    PlanLimits planLimits() {
        return new PlanLimits(maxEpochs, maxFinetuneEpochs, maxBatchSize, maxSubset, maxScratchBCap);
    }
}
