package dev.sculptor.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Every page of an AIP-158 list call: asks again with each {@code next_page_token} until it is empty. A token seen twice
 * ends the command, since a service that hands it out again would otherwise be asked forever.
 */
final class Pages {
    private Pages() {}

    /**
     * The items of every page, in order.
     *
     * @param service the service's name for the error, e.g. {@code the pruning service}
     * @param fetch one page for a page token ({@code ""} for the first)
     */
    static <R, T> List<T> all(String service, Function<String, R> fetch, Function<R, String> tokenOf,
            Function<R, List<T>> itemsOf) {
        List<T> all = new ArrayList<>();
        String pageToken = "";
        Set<String> seen = new HashSet<>();
        do {
            R page = fetch.apply(pageToken);
            all.addAll(itemsOf.apply(page));
            pageToken = tokenOf.apply(page);
            if (!pageToken.isEmpty() && !seen.add(pageToken)) {
                throw CliException.failure(service + " returned the same page token twice; giving up");
            }
        } while (!pageToken.isEmpty());
        return all;
    }
}
