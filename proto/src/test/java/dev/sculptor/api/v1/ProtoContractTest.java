package dev.sculptor.api.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.DescriptorProtos.FileOptions;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor.JavaType;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API contract that code review would otherwise have to catch: Google's API design guide
 * (AIP-126 enums, AIP-132/134 List and Update, AIP-140 field comments) over every generated
 * descriptor, plus what the Sculptor services rely on (options, event payloads, generated stubs).
 */
class ProtoContractTest {
    private static final Path PROTO_DIR = Path.of("src/main/proto/sculptor/v1");
    private static final String PACKAGE = "sculptor.v1";
    private static final List<String> FIELD_PREFIXES = List.of("Required.", "Optional.", "Output only.");

    /** Every file of the package; {@link #everyProtoFileIsChecked} keeps this list complete. */
    private static final List<FileDescriptor> FILES = List.of(
            CommonProto.getDescriptor(),
            ModelRegistryProto.getDescriptor(),
            ScoringProto.getDescriptor(),
            PruningProto.getDescriptor(),
            TrainingProto.getDescriptor(),
            EvaluationProto.getDescriptor(),
            EventsProto.getDescriptor());

    private static ProtoSources sources;

    @BeforeAll
    static void readSources() throws IOException {
        sources = ProtoSources.parse(protoFiles());
    }

    private static List<Path> protoFiles() throws IOException {
        try (Stream<Path> s = Files.list(PROTO_DIR)) {
            return s.filter(p -> p.toString().endsWith(".proto")).sorted().toList();
        }
    }

    @Test
    void everyProtoFileIsChecked() throws IOException {
        Set<String> onDisk = protoFiles().stream()
                .map(p -> "sculptor/v1/" + p.getFileName())
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> checked = FILES.stream().map(FileDescriptor::getName).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(onDisk, checked, "add the new file's outer class to FILES");
    }

    @Test
    void filesShareOnePackageAndTheJavaOptions() {
        for (FileDescriptor f : FILES) {
            FileOptions o = f.getOptions();
            assertEquals(PACKAGE, f.getPackage(), f.getName());
            assertEquals("dev.sculptor.api.v1", o.getJavaPackage(), f.getName());
            assertTrue(o.getJavaMultipleFiles(), f.getName() + ": java_multiple_files");
            assertTrue(o.hasGoPackage(), f.getName() + ": go_package");
            for (FileDescriptor dep : f.getDependencies()) {
                assertTrue(dep.getPackage().equals(PACKAGE) || dep.getName().startsWith("google/protobuf/"),
                        f.getName() + " imports " + dep.getName() + ": only this package and protoc's well-known types");
            }
        }
    }

    /** The parser saw exactly what protoc compiled, so no declaration escapes the comment checks. */
    @Test
    void sourcesAndDescriptorsDeclareTheSameThings() {
        Set<String> compiled = new TreeSet<>();
        forEachDeclaration(compiled::add);
        assertEquals(compiled, new TreeSet<>(sources.declarations().keySet()));
    }

    @Test
    void everyDeclarationHasALeadingComment() {
        List<String> missing = new ArrayList<>();
        forEachDeclaration(key -> {
            ProtoSources.Decl d = sources.get(key);
            if (d == null || d.comment().isEmpty()) {
                missing.add(key + (d == null ? "" : " (" + d.where() + ")"));
            }
        });
        assertTrue(missing.isEmpty(), "declarations without a leading comment: " + missing);
    }

    @Test
    void everyFieldCommentStartsWithItsBehavior() {
        List<String> wrong = new ArrayList<>();
        forEachMessage(m -> {
            for (FieldDescriptor f : m.getFields()) {
                ProtoSources.Decl d = sources.get(f.getFullName());
                if (d == null || FIELD_PREFIXES.stream().noneMatch(d.comment()::startsWith)) {
                    wrong.add(f.getFullName() + (d == null ? "" : " (" + d.where() + ": '" + d.comment() + "')"));
                }
            }
        });
        assertTrue(wrong.isEmpty(), "field comments must start with " + FIELD_PREFIXES + ": " + wrong);
    }

    @Test
    void everyEnumStartsWithUnspecifiedZero() {
        List<String> wrong = new ArrayList<>();
        forEachEnum(e -> {
            EnumValueDescriptor first = e.getValues().get(0);
            String expected = upperSnake(e.getName()) + "_UNSPECIFIED";
            if (first.getNumber() != 0 || !first.getName().equals(expected)) {
                wrong.add(e.getFullName() + " starts with " + first.getName() + " = " + first.getNumber()
                        + ", expected " + expected + " = 0");
            }
        });
        assertTrue(wrong.isEmpty(), String.join("; ", wrong));
    }

    @Test
    void listMethodsPage() {
        List<MethodDescriptor> lists = methods().stream().filter(m -> m.getName().startsWith("List")).toList();
        assertEquals(Set.of("ListModels", "ListVersions", "ListAliases", "ListPruneJobs", "ListRepruneTriggers",
                        "ListTrainingRuns", "ListEvaluations"),
                lists.stream().map(MethodDescriptor::getName).collect(Collectors.toSet()));
        for (MethodDescriptor m : lists) {
            Descriptor in = m.getInputType();
            Descriptor out = m.getOutputType();
            assertEquals(m.getName() + "Request", in.getName(), m.getFullName());
            assertEquals(m.getName() + "Response", out.getName(), m.getFullName());
            requireField(in, "page_size", JavaType.INT);
            requireField(in, "page_token", JavaType.STRING);
            requireField(out, "next_page_token", JavaType.STRING);
            long repeatedMessages = out.getFields().stream()
                    .filter(f -> f.isRepeated() && f.getJavaType() == JavaType.MESSAGE && !f.isMapField())
                    .count();
            assertEquals(1, repeatedMessages, out.getFullName() + ": one repeated field holds the page");
            assertTrue(!m.isClientStreaming() && !m.isServerStreaming(), m.getFullName() + " is unary");
        }
    }

    @Test
    void updateMethodsTakeAFieldMask() {
        List<MethodDescriptor> updates = methods().stream().filter(m -> m.getName().startsWith("Update")).toList();
        assertEquals(Set.of("UpdateModel", "UpdateVersion", "UpdateRepruneTrigger"),
                updates.stream().map(MethodDescriptor::getName).collect(Collectors.toSet()));
        for (MethodDescriptor m : updates) {
            Descriptor in = m.getInputType();
            FieldDescriptor mask = requireField(in, "update_mask", JavaType.MESSAGE);
            assertEquals("google.protobuf.FieldMask", mask.getMessageType().getFullName(), mask.getFullName());
            assertTrue(in.getFields().stream().anyMatch(f -> f.getJavaType() == JavaType.MESSAGE
                            && f.getMessageType().equals(m.getOutputType())),
                    in.getFullName() + " carries the " + m.getOutputType().getName() + " it updates");
        }
    }

    @Test
    void getDeleteCancelAndWatchMethodsTakeAResourceName() {
        Pattern verb = Pattern.compile("^(Get|Delete|Cancel|Watch).*");
        for (MethodDescriptor m : methods()) {
            if (verb.matcher(m.getName()).matches()) {
                requireField(m.getInputType(), "name", JavaType.STRING);
            }
        }
    }

    @Test
    void longRunningResourcesHaveAStateAndAWatch() {
        for (String resource : List.of("PruneJob", "TrainingRun")) {
            MethodDescriptor watch = methods().stream()
                    .filter(m -> m.getName().equals("Watch" + resource))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no Watch" + resource));
            assertTrue(watch.isServerStreaming(), watch.getFullName() + " streams");
            Descriptor d = watch.getFile().findMessageTypeByName(resource);
            FieldDescriptor state = requireField(d, "state", JavaType.ENUM);
            assertEquals(d.getFullName() + ".State", state.getEnumType().getFullName());
        }
    }

    @Test
    void everyEventSaysWhenItHappenedAndIsListedWithItsTopic() throws IOException {
        String text = Files.readString(PROTO_DIR.resolve("events.proto"));
        String header = text.substring(0, text.indexOf("\nsyntax"));
        for (String h : List.of("ce_id", "ce_type", "ce_source", "ce_time", "ce_subject", "ce_specversion")) {
            assertTrue(header.contains(h), "events.proto's header names the " + h + " header");
        }
        Matcher topics = Pattern.compile("sculptor\\.[a-z]+\\.(events|requests)\\.v1").matcher(header);
        Set<String> seen = new TreeSet<>();
        while (topics.find()) {
            seen.add(topics.group());
        }
        assertEquals(9, seen.size(), "topics listed: " + seen);
        List<Descriptor> events = EventsProto.getDescriptor().getMessageTypes();
        assertEquals(14, events.size(), "one message per event");
        for (Descriptor e : events) {
            assertTrue(Pattern.compile("\\b" + e.getName() + "\\b").matcher(header).find(),
                    e.getName() + " is listed under its topic in events.proto's header");
            FieldDescriptor time = requireField(e, "occurred_time", JavaType.MESSAGE);
            assertEquals("google.protobuf.Timestamp", time.getMessageType().getFullName(), time.getFullName());
            assertTrue(e.getFields().stream().anyMatch(f -> f.getJavaType() == JavaType.STRING
                            && sources.get(f.getFullName()).comment().startsWith("Required.")),
                    e.getName() + " names the resource it concerns");
        }
    }

    /** The classes the services inject: grpc-java's stubs and Quarkus' Mutiny stubs, client and bean. */
    @Test
    void everyServiceHasItsGeneratedStubs() throws ClassNotFoundException {
        String pkg = "dev.sculptor.api.v1.";
        for (FileDescriptor f : FILES) {
            for (ServiceDescriptor s : f.getServices()) {
                for (String cls : List.of(s.getName(), s.getName() + "Grpc", "Mutiny" + s.getName() + "Grpc",
                        s.getName() + "Client", s.getName() + "Bean")) {
                    Class.forName(pkg + cls);
                }
            }
        }
    }

    @Test
    void messagesRoundTrip() throws Exception {
        PruneJob job = PruneJob.newBuilder()
                .setModelVersion("models/resnet56/versions/production")
                .setMethod(MethodSpec.newBuilder().setMethod(PruningMethod.L1_NORM).setRatio(0.0).putRatios("features.0", 0.3))
                .addRetrainModes(RetrainMode.FINE_TUNE)
                .addRetrainModes(RetrainMode.SCRATCH_B)
                .setDataset(DatasetRef.newBuilder().setUri("cifar10:s3://sculptor/data/cifar10"))
                .build();
        PruneJob back = PruneJob.parseFrom(job.toByteArray());
        assertEquals(job, back);
        assertTrue(back.getMethod().hasRatio(), "an explicit 0 ratio is told apart from an unset one");
    }

    private static FieldDescriptor requireField(Descriptor d, String name, JavaType type) {
        FieldDescriptor f = d.findFieldByName(name);
        if (f == null) {
            fail(d.getFullName() + " has no field " + name);
        }
        assertEquals(type, f.getJavaType(), f.getFullName());
        assertTrue(!f.isRepeated(), f.getFullName() + " is singular");
        return f;
    }

    private static List<MethodDescriptor> methods() {
        return FILES.stream().flatMap(f -> f.getServices().stream()).flatMap(s -> s.getMethods().stream()).toList();
    }

    /** Keys as {@link ProtoSources} writes them, for every message, field, oneof, enum, value, service and method. */
    private static void forEachDeclaration(Consumer<String> key) {
        forEachMessage(m -> {
            key.accept(m.getFullName());
            m.getFields().forEach(f -> key.accept(f.getFullName()));
            for (OneofDescriptor o : m.getRealOneofs()) {
                key.accept(m.getFullName() + "." + o.getName());
            }
        });
        forEachEnum(e -> {
            key.accept(e.getFullName());
            e.getValues().forEach(v -> key.accept(e.getFullName() + "." + v.getName()));
        });
        for (FileDescriptor f : FILES) {
            for (ServiceDescriptor s : f.getServices()) {
                key.accept(s.getFullName());
                s.getMethods().forEach(m -> key.accept(m.getFullName()));
            }
        }
    }

    private static void forEachMessage(Consumer<Descriptor> action) {
        for (FileDescriptor f : FILES) {
            f.getMessageTypes().forEach(m -> visit(m, action));
        }
    }

    private static void visit(Descriptor m, Consumer<Descriptor> action) {
        if (m.getOptions().getMapEntry()) {
            return; // synthesized by protoc for map<K, V> fields
        }
        action.accept(m);
        m.getNestedTypes().forEach(n -> visit(n, action));
    }

    private static void forEachEnum(Consumer<EnumDescriptor> action) {
        for (FileDescriptor f : FILES) {
            f.getEnumTypes().forEach(action);
        }
        forEachMessage(m -> m.getEnumTypes().forEach(action));
    }

    /** {@code PruningMethod} -> {@code PRUNING_METHOD}. */
    static String upperSnake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(java.util.Locale.ROOT);
    }
}
