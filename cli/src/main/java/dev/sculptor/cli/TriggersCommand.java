package dev.sculptor.cli;

import com.google.protobuf.FieldMask;
import dev.sculptor.api.v1.CreateRepruneTriggerRequest;
import dev.sculptor.api.v1.DeleteRepruneTriggerRequest;
import dev.sculptor.api.v1.GetRepruneTriggerRequest;
import dev.sculptor.api.v1.ListRepruneTriggersRequest;
import dev.sculptor.api.v1.ListRepruneTriggersResponse;
import dev.sculptor.api.v1.RepruneTrigger;
import dev.sculptor.api.v1.UpdateRepruneTriggerRequest;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sculptor triggers ...}: re-prune triggers, which start a prune job whenever a model gets a new version. */
@Command(name = "triggers", mixinStandardHelpOptions = true,
        description = {"Re-prune triggers on the pruning service over gRPC.",
            "",
            "On a new version of a model (or, with an alias, when the alias moves) a trigger starts a prune job from its"
                + " template; versions registered by prune jobs do not fire triggers.",
            "",
            "Endpoint: --endpoint, else $SCULPTOR_PRUNING_ENDPOINT, else the local stack's endpoints.json. Token: --token,"
                + " else $SCULPTOR_TOKEN, else the local stack's token file (read for reads, admin otherwise).",
            "Triggers: repruneTriggers/<id> or <id>."},
        subcommands = {TriggersCommand.Create.class, TriggersCommand.Get.class, TriggersCommand.ListTriggers.class,
            TriggersCommand.Update.class, TriggersCommand.Delete.class})
final class TriggersCommand extends CommandGroup {
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create a re-prune trigger; it fires only when created with --enabled (or updated so). Prints its name."})
    static final class Create extends PruningCall {
        @Option(names = "--model", required = true, paramLabel = "MODEL", description = "The watched model: <model> or models/<model>.")
        String model;

        @Option(names = "--alias", paramLabel = "ALIAS",
                description = "Fire only when this alias of the model moves, pruning the version it then points at"
                        + " (default: fire on every new version).")
        String alias;

        @Option(names = "--enabled", description = "The trigger fires (default: created dormant).")
        boolean enabled;

        @Mixin
        Options.Template template;

        @Option(names = "--id", paramLabel = "ID", description = "The trigger's id, [a-z][a-z0-9-]{0,62} (default: the service picks one).")
        String id;

        private CreateRepruneTriggerRequest request;

        CreateRepruneTriggerRequest request() {
            RepruneTrigger.Builder t = RepruneTrigger.newBuilder().setModel(Names.model(model)).setEnabled(enabled)
                    .setTemplate(template.job());
            if (alias != null) {
                t.setAlias(aliasId(alias));
            }
            CreateRepruneTriggerRequest.Builder r = CreateRepruneTriggerRequest.newBuilder().setRepruneTrigger(t);
            if (id != null) {
                r.setRepruneTriggerId(id);
            }
            return r.build();
        }

        @Override
        void before() {
            request = request();
        }

        @Override
        void run(Connection c) {
            RepruneTrigger t = pruning(c).createRepruneTrigger(request);
            print(t, out -> out.println(t.getName() + (t.getEnabled() ? "" : " (dormant: enable it with ./sculptor triggers update "
                    + t.getName() + " --enabled)")));
        }
    }

    /** A command on one re-prune trigger, named by its argument. */
    abstract static class OneTrigger extends PruningCall {
        @Parameters(index = "0", paramLabel = "<trigger>", description = "repruneTriggers/<id> or <id>.")
        String name;

        @Override
        void before() {
            Names.trigger(name);
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show a re-prune trigger.")
    static final class Get extends OneTrigger implements ServiceCall.Reads {
        @Override
        void run(Connection c) {
            RepruneTrigger t = pruning(c).getRepruneTrigger(GetRepruneTriggerRequest.newBuilder().setName(Names.trigger(name)).build());
            print(t, out -> WorkOutput.trigger(out, t));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List re-prune triggers in name order (every page).")
    static final class ListTriggers extends PruningCall implements ServiceCall.Reads {
        @Option(names = "--filter", paramLabel = "FILTER",
                description = "AIP-160 filter on model, alias, enabled, e.g. 'model = \"models/demo\" AND enabled = true'.")
        String filter;

        @Option(names = "--page-size", paramLabel = "N", defaultValue = "0",
                description = "Triggers per request (default: the service's, 50).")
        int pageSize;

        @Override
        void before() {
            Options.atLeast("--page-size", pageSize, 0);
        }

        @Override
        void run(Connection c) {
            ListRepruneTriggersRequest.Builder r = ListRepruneTriggersRequest.newBuilder().setPageSize(pageSize);
            if (filter != null) {
                r.setFilter(filter);
            }
            List<RepruneTrigger> triggers = Pages.all(SERVICE, t -> pruning(c).listRepruneTriggers(r.setPageToken(t).build()),
                    ListRepruneTriggersResponse::getNextPageToken, ListRepruneTriggersResponse::getRepruneTriggersList);
            print(ListRepruneTriggersResponse.newBuilder().addAllRepruneTriggers(triggers).build(),
                    out -> WorkOutput.triggers(out, triggers));
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
            description = {"Change a trigger's enabled flag, alias or template; only what is given changes.",
                "A new template replaces the old one whole: give it from --method on."})
    static final class Update extends OneTrigger {
        @Option(names = "--enabled", arity = "0..1", paramLabel = "true|false",
                description = "Whether the trigger fires: --enabled, --enabled=false.")
        Boolean enabled;

        @Option(names = "--alias", paramLabel = "ALIAS", description = "Fire when this alias moves.")
        String alias;

        @Option(names = "--no-alias", description = "Fire on every new version again.")
        boolean noAlias;

        @Mixin
        Options.Template template;

        private UpdateRepruneTriggerRequest request;

        UpdateRepruneTriggerRequest request() {
            RepruneTrigger.Builder t = RepruneTrigger.newBuilder().setName(Names.trigger(name));
            FieldMask.Builder mask = FieldMask.newBuilder();
            if (alias != null && noAlias) {
                throw CliException.usage("give either --alias or --no-alias, not both");
            }
            if (alias != null || noAlias) {
                t.setAlias(noAlias ? "" : aliasId(alias));
                mask.addPaths("alias");
            }
            if (enabled != null) {
                t.setEnabled(enabled);
                mask.addPaths("enabled");
            }
            if (template.given()) {
                if (template.method.method == null) {
                    throw CliException.usage("a new template replaces the old one whole: give it from --method on"
                            + " (./sculptor triggers get " + name + " shows the current one)");
                }
                t.setTemplate(template.job());
                mask.addPaths("template");
            }
            if (mask.getPathsCount() == 0) {
                throw CliException.usage("nothing to change: give --enabled[=false], --alias, --no-alias or a template (--method ...)");
            }
            return UpdateRepruneTriggerRequest.newBuilder().setRepruneTrigger(t).setUpdateMask(mask).build();
        }

        @Override
        void before() {
            request = request();
        }

        @Override
        void run(Connection c) {
            RepruneTrigger t = pruning(c).updateRepruneTrigger(request);
            print(t, out -> WorkOutput.trigger(out, t));
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a re-prune trigger; the jobs it started stay.")
    static final class Delete extends OneTrigger {
        @Override
        void run(Connection c) {
            var empty = pruning(c).deleteRepruneTrigger(DeleteRepruneTriggerRequest.newBuilder().setName(Names.trigger(name)).build());
            print(empty, out -> out.println("deleted " + Names.trigger(name)));
        }
    }

    /** An alias id: one path segment (the service checks the pattern). */
    static String aliasId(String alias) {
        String a = alias.trim();
        if (a.isEmpty() || a.contains("/") || a.chars().anyMatch(Character::isWhitespace)) {
            throw CliException.usage("'" + alias + "' is not an alias id (e.g. production)");
        }
        return a;
    }
}
