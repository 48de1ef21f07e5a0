package dev.sculptor.scoring.service;

import java.util.List;
import java.util.Map;

/**
 * A pruning method and its settings as the request gave them (nulls: unset), free of wire types.
 *
 * @param method the contract's method name, e.g. {@code L1_NORM}
 */
public record MethodChoice(String method, String preset, Double ratio, Map<String, Double> ratios, List<String> skip, Double percent,
        Double lambda, boolean includeLinear) {
    public MethodChoice {
        ratios = Map.copyOf(ratios);
        skip = List.copyOf(skip);
    }
}
