package dev.sculptor.cli;

import com.google.gson.JsonObject;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import dev.sculptor.api.v1.CreateModelRequest;
import dev.sculptor.api.v1.DeleteAliasRequest;
import dev.sculptor.api.v1.GetLineageRequest;
import dev.sculptor.api.v1.GetLineageResponse;
import dev.sculptor.api.v1.GetModelRequest;
import dev.sculptor.api.v1.GetVersionRequest;
import dev.sculptor.api.v1.Lineage;
import dev.sculptor.api.v1.ListModelsRequest;
import dev.sculptor.api.v1.ListModelsResponse;
import dev.sculptor.api.v1.ListVersionsRequest;
import dev.sculptor.api.v1.ListVersionsResponse;
import dev.sculptor.api.v1.Model;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.SetAliasRequest;
import dev.sculptor.api.v1.SetAliasResponse;
import dev.sculptor.api.v1.UploadVersionHeader;
import dev.sculptor.engine.checkpoint.CheckpointVerifier;
import dev.sculptor.engine.checkpoint.Manifest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sculptor models ...}: models, versions, aliases and lineage in the model registry. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = {"The model registry over gRPC.",
            "",
            "Endpoint: --endpoint, else $SCULPTOR_MODEL_REGISTRY_ENDPOINT or $SCULPTOR_ENDPOINT, else the local stack's endpoints.json"
                + " ($SCULPTOR_HOME/local, else <repo>/.sculptor/local). Token: --token, else $SCULPTOR_TOKEN,"
                + " else the local stack's token file (read for reads, admin otherwise).",
            "Versions: models/<model>/versions/<n>, <model>/<n> or <model>/<alias>."},
        subcommands = {ModelsCommand.Create.class, ModelsCommand.ListModels.class, ModelsCommand.Get.class,
            ModelsCommand.Versions.class, ModelsCommand.Upload.class, ModelsCommand.Download.class,
            ModelsCommand.AliasCmd.class, ModelsCommand.LineageCmd.class})
final class ModelsCommand extends CommandGroup {
    /** A call to the model registry. */
    abstract static class Call extends ServiceCall {
        /** The service as errors name it. */
        static final String SERVICE = "the registry";

        @Option(names = "--endpoint", paramLabel = "HOST:PORT",
                description = "The model registry's gRPC endpoint (default: $SCULPTOR_MODEL_REGISTRY_ENDPOINT, else"
                        + " $SCULPTOR_ENDPOINT, else the local stack's).")
        void endpoint(String e) {
            endpoint = e;
        }

        @Override
        final String service() {
            return Endpoints.MODEL_REGISTRY;
        }

        @Override
        final void run(Connection connection) throws Exception {
            run(new Registry(connection));
        }

        abstract void run(Registry registry) throws Exception;
    }

    // ------------------------------------------------------------------------------------------------ models

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a model with no versions.")
    static final class Create extends Call {
        @Parameters(index = "0", paramLabel = "<id>", description = "The model's id: [a-z][a-z0-9-]{0,62}.")
        String id;

        @Option(names = "--display-name", paramLabel = "TEXT", description = "Human-readable name.")
        String displayName;

        @Option(names = "--description", paramLabel = "TEXT", description = "Free text.")
        String description;

        @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A label (repeatable).")
        Map<String, String> labels = new LinkedHashMap<>();

        @Override
        void run(Registry registry) {
            Model.Builder m = Model.newBuilder().putAllLabels(labels);
            if (displayName != null) {
                m.setDisplayName(displayName);
            }
            if (description != null) {
                m.setDescription(description);
            }
            Model created = registry.blocking().createModel(CreateModelRequest.newBuilder().setModelId(Names.modelId(id))
                    .setModel(m).build());
            print(created, out -> out.println("created " + created.getName()));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List models in name order (every page).")
    static final class ListModels extends Call implements ServiceCall.Reads {
        @Option(names = "--filter", paramLabel = "FILTER", description = "name:<text>: models whose id contains the text.")
        String filter;

        @Option(names = "--page-size", paramLabel = "N", defaultValue = "0",
                description = "Models per request (default: the registry's, 50).")
        int pageSize;

        @Override
        void before() {
            Options.atLeast("--page-size", pageSize, 0);
        }

        @Override
        void run(Registry registry) {
            ListModelsRequest.Builder r = ListModelsRequest.newBuilder().setPageSize(pageSize);
            if (filter != null) {
                r.setFilter(filter);
            }
            List<Model> models = Pages.all(SERVICE, t -> registry.blocking().listModels(r.setPageToken(t).build()),
                    ListModelsResponse::getNextPageToken, ListModelsResponse::getModelsList);
            print(ListModelsResponse.newBuilder().addAllModels(models).build(), out -> Output.models(out, models));
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show a model.")
    static final class Get extends Call implements ServiceCall.Reads {
        @Parameters(index = "0", paramLabel = "<model>", description = "The model: <model> or models/<model>.")
        String model;

        @Override
        void before() {
            Names.model(model);
        }

        @Override
        void run(Registry registry) {
            Model m = registry.blocking().getModel(GetModelRequest.newBuilder().setName(Names.model(model)).build());
            print(m, out -> Output.model(out, m));
        }
    }

    // ------------------------------------------------------------------------------------------------ versions

    @Command(name = "versions", mixinStandardHelpOptions = true, description = "List a model's versions, newest first.")
    static final class Versions extends Call implements ServiceCall.Reads {
        @Parameters(index = "0", paramLabel = "<model>", description = "The model: <model> or models/<model>.")
        String model;

        @Option(names = "--tag", paramLabel = "TAG", description = "Only versions with this tag.")
        String tag;

        @Option(names = "--page-size", paramLabel = "N", defaultValue = "0",
                description = "Versions per request (default: the registry's, 50).")
        int pageSize;

        @Override
        void before() {
            Names.model(model);
            Options.atLeast("--page-size", pageSize, 0);
        }

        @Override
        void run(Registry registry) {
            ListVersionsRequest.Builder r = ListVersionsRequest.newBuilder().setParent(Names.model(model)).setPageSize(pageSize);
            if (tag != null) {
                r.setFilter("tags:\"" + tag + "\"");
            }
            List<ModelVersion> versions = Pages.all(SERVICE, t -> registry.blocking().listVersions(r.setPageToken(t).build()),
                    ListVersionsResponse::getNextPageToken, ListVersionsResponse::getVersionsList);
            print(ListVersionsResponse.newBuilder().addAllVersions(versions).build(), out -> Output.versions(out, versions));
        }
    }

    @Command(name = "upload", mixinStandardHelpOptions = true,
            description = {"Verify a checkpoint directory here, upload it as the model's next version, print the version's name."})
    static final class Upload extends Call {
        @Parameters(index = "0", paramLabel = "<model>", description = "The model: <model> or models/<model>.")
        String model;

        @Parameters(index = "1", paramLabel = "<checkpoint-dir>", description = "An engine checkpoint (manifest.json, params.bin, ...).")
        Path dir;

        @Option(names = "--description", paramLabel = "TEXT", description = "The version's description.")
        String description;

        @Option(names = "--tag", paramLabel = "TAG", description = "A tag (repeatable).")
        List<String> tags = new ArrayList<>();

        @Option(names = "--parent", paramLabel = "VERSION",
                description = "The version this one derives from (models/<m>/versions/<n>, <m>/<n> or <m>/<alias>);"
                        + " recorded as its lineage with the method and settings of the checkpoint's manifest.")
        String parent;

        @Option(names = "--request-id", paramLabel = "UUID",
                description = "Makes a retried upload return the version the first one registered.")
        String requestId;

        private CheckpointVerifier.Verified verified;

        @Override
        void before() {
            Names.model(model);
            if (parent != null) {
                Names.version(parent);
            }
            verified = CheckpointVerifier.verify(dir.toAbsolutePath().normalize());
        }

        @Override
        void run(Registry registry) {
            UploadVersionHeader.Builder h = UploadVersionHeader.newBuilder().setParent(Names.model(model)).addAllTags(tags);
            if (description != null) {
                h.setDescription(description);
            }
            if (requestId != null) {
                h.setRequestId(requestId);
            }
            if (parent != null) {
                String p = Names.version(parent);
                if (!Names.isNumbered(p)) {
                    p = registry.blocking().getVersion(GetVersionRequest.newBuilder().setName(p).build()).getName();
                }
                h.setLineage(lineage(p, verified.manifest().lineage()));
            }
            Transfer.Uploaded up = Transfer.upload(registry, h, dir.toAbsolutePath().normalize(), verified);
            print(up.version(), out -> out.println(up.version().getName()));
        }

        /** The parent given here, with the method and settings the checkpoint's manifest records. */
        static Lineage lineage(String parentVersion, Manifest.Lineage recorded) {
            Lineage.Builder b = Lineage.newBuilder().setParentVersion(parentVersion);
            if (recorded != null) {
                if (recorded.method() != null) {
                    b.setMethod(recorded.method());
                }
                JsonObject settings = recorded.settings();
                if (settings != null) {
                    Struct.Builder s = Struct.newBuilder();
                    try {
                        JsonFormat.parser().merge(settings.toString(), s);
                    } catch (InvalidProtocolBufferException e) {
                        throw CliException.failure("manifest.json: lineage settings are not a JSON object: " + e.getMessage(), e);
                    }
                    b.setSettings(s);
                }
            }
            return b.build();
        }
    }

    @Command(name = "download", mixinStandardHelpOptions = true,
            description = {"Download a version into a directory, check every file's SHA-256 and verify the checkpoint."})
    static final class Download extends Call implements ServiceCall.Reads {
        @Parameters(index = "0", paramLabel = "<version>", description = "models/<m>/versions/<n>, <m>/<n> or <m>/<alias>.")
        String version;

        @Parameters(index = "1", paramLabel = "<dir>", description = "Target directory; created if missing, must be empty.")
        Path dir;

        @Option(names = "--force", description = "Write into a non-empty directory, replacing files of the same name.")
        boolean force;

        @Override
        void before() {
            Names.version(version);
        }

        @Override
        void run(Registry registry) {
            Transfer.Downloaded d = Transfer.download(registry, Names.version(version), dir, force);
            print(d.version(), out -> out.println("downloaded " + d.version().getName() + " to " + d.dir() + " (" + d.files()
                    + " files, " + Output.bytes(d.bytes()) + ", verified)"));
        }
    }

    // ------------------------------------------------------------------------------------------------ aliases, lineage

    @Command(name = "alias", mixinStandardHelpOptions = true,
            description = {"Point an alias at a version (creating or moving it), or delete it with --delete."})
    static final class AliasCmd extends Call {
        @Parameters(index = "0", paramLabel = "<model>", description = "The model: <model> or models/<model>.")
        String model;

        @Parameters(index = "1", paramLabel = "<alias>", description = "The alias, e.g. production.")
        String alias;

        @Parameters(index = "2", arity = "0..1", paramLabel = "<version>",
                description = "The version: <n>, <alias>, <model>/<n> or models/<model>/versions/<n>.")
        String version;

        @Option(names = "--delete", description = "Delete the alias (the version stays).")
        boolean delete;

        @Override
        void before() {
            Names.alias(model, alias);
            if (delete && version != null) {
                throw CliException.usage("give either a version or --delete, not both");
            }
            if (!delete && version == null) {
                throw CliException.usage("missing the version to point " + alias + " at (or --delete)");
            }
            if (version != null) {
                Names.version(model, version);
            }
        }

        @Override
        void run(Registry registry) {
            String name = Names.alias(model, alias);
            if (delete) {
                var empty = registry.blocking().deleteAlias(DeleteAliasRequest.newBuilder().setName(name).build());
                print(empty, out -> out.println("deleted " + name));
                return;
            }
            SetAliasResponse r = registry.blocking().setAlias(SetAliasRequest.newBuilder().setName(name)
                    .setVersion(Names.version(model, version)).build());
            String prev = r.getPreviousVersion();
            print(r, out -> out.println(r.getAlias().getName() + " -> " + r.getAlias().getVersion()
                    + (prev.isEmpty() ? " (new)" : prev.equals(r.getAlias().getVersion()) ? " (unchanged)" : " (was " + prev + ")")));
        }
    }

    @Command(name = "lineage", mixinStandardHelpOptions = true,
            description = "Show a version, its parent, the parent's parent, and so on.")
    static final class LineageCmd extends Call implements ServiceCall.Reads {
        @Parameters(index = "0", paramLabel = "<version>", description = "models/<m>/versions/<n>, <m>/<n> or <m>/<alias>.")
        String version;

        @Option(names = "--max-depth", paramLabel = "N", defaultValue = "0", description = "Ancestors to follow at most (default: the registry's).")
        int maxDepth;

        @Override
        void before() {
            Names.version(version);
            Options.atLeast("--max-depth", maxDepth, 0);
        }

        @Override
        void run(Registry registry) {
            GetLineageResponse r = registry.blocking().getLineage(GetLineageRequest.newBuilder().setName(Names.version(version))
                    .setMaxDepth(maxDepth).build());
            print(r, out -> Output.lineage(out, r.getVersionsList(), r.getTruncated()));
        }
    }
}
