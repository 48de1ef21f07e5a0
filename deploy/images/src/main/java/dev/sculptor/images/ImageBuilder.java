package dev.sculptor.images;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.frontend.CredentialRetrieverFactory;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Builds {@link ServiceImage}s with Jib Core (no Docker daemon) on a base image given as a reference: {@code scratch},
 * {@code tar:///abs/path.tar} (a {@code docker save} or Jib tarball, for offline builds), or a registry reference
 * (optionally prefixed {@code registry://}), then writes them to a tarball or pushes them.
 */
public final class ImageBuilder {

  /** The production base: Eclipse Temurin's JRE 17 (Ubuntu, glibc, /bin/sh; what libtorch's natives need). */
  public static final String DEFAULT_BASE = "eclipse-temurin:17-jre";
  /** Credentials for the target registry (a push), when neither the Docker config nor a credential helper has them. */
  public static final String USERNAME_ENV = "SCULPTOR_IMAGES_USERNAME";
  public static final String PASSWORD_ENV = "SCULPTOR_IMAGES_PASSWORD";

  private final String base;
  private final Map<String, String> environment;
  private final Consumer<LogEvent> log;
  private Path baseCache;
  private Path applicationCache;
  private boolean offline;
  private boolean allowInsecureRegistries;

  /**
   * @param base the base image reference (see the class comment)
   * @param environment where {@link #USERNAME_ENV}/{@link #PASSWORD_ENV} are read (System.getenv() in the CLI)
   */
  public ImageBuilder(String base, Map<String, String> environment, Consumer<LogEvent> log) {
    if (base == null || base.isBlank()) {
      throw new IllegalArgumentException("base image: empty (give scratch, tar:///abs/path.tar or a registry image)");
    }
    this.base = base.strip();
    this.environment = environment;
    this.log = log;
    if (this.base.startsWith(Jib.TAR_IMAGE_PREFIX)) {
      Path tar = Path.of(this.base.substring(Jib.TAR_IMAGE_PREFIX.length()));
      if (!tar.isAbsolute() || !Files.isRegularFile(tar)) {
        throw new IllegalArgumentException("base image " + this.base + ": expected tar:// followed by the absolute path"
            + " of an existing image tarball");
      }
      if (!isDockerArchive(tar)) {
        throw new IllegalArgumentException("base image " + this.base + ": not a docker-archive tarball (no"
            + " manifest.json; Jib reads what docker save or podman save write; an OCI archive converts with skopeo copy"
            + " oci-archive:IN.tar docker-archive:OUT.tar)");
      }
    }
  }

  /** Whether {@code tar} has the manifest.json of `docker save` at its top (an OCI layout tarball has index.json). */
  private static boolean isDockerArchive(Path tar) {
    try (TarArchiveInputStream in = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(tar)))) {
      for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        if (e.getName().replaceFirst("^\\./", "").equals("manifest.json")) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      return false; // not a tar at all
    }
  }

  /** Where Jib keeps base image layers between builds (default: Jib's, ~/.cache/google-cloud-tools-java/jib). */
  public ImageBuilder baseCache(Path dir) {
    this.baseCache = dir;
    return this;
  }

  /** Where Jib keeps the application layers it built (default: a temporary directory per build). */
  public ImageBuilder applicationCache(Path dir) {
    this.applicationCache = dir;
    return this;
  }

  /** No network: the base must be scratch, a tarball, or already in the base cache. */
  public ImageBuilder offline(boolean offline) {
    this.offline = offline;
    return this;
  }

  /** Lets Jib talk plain HTTP to registries that do not serve HTTPS (a test registry on localhost). */
  public ImageBuilder allowInsecureRegistries(boolean allow) {
    this.allowInsecureRegistries = allow;
    return this;
  }

  public String base() {
    return base;
  }

  /** Writes {@code image} as an OCI image-layout tarball (podman load, docker load from Docker 25, skopeo) named {@code name}. */
  public JibContainer toTar(ServiceImage image, Map<String, String> labels, Path tar, String name) throws Exception {
    Files.createDirectories(tar.toAbsolutePath().getParent());
    return containerize(image, labels, Containerizer.to(TarImage.at(tar).named(reference(name))));
  }

  /** Pushes {@code image} to {@code name} (registry/repository:tag). */
  public JibContainer toRegistry(ServiceImage image, Map<String, String> labels, String name) throws Exception {
    return containerize(image, labels, Containerizer.to(withCredentials(reference(name), true)));
  }

  private JibContainer containerize(ServiceImage image, Map<String, String> labels, Containerizer containerizer)
      throws Exception {
    containerizer.setToolName("sculptor-images")
        .setOfflineMode(offline)
        .setAllowInsecureRegistries(allowInsecureRegistries)
        .addEventHandler(LogEvent.class, log::accept);
    if (baseCache != null) {
      containerizer.setBaseImageLayersCache(baseCache);
    }
    if (applicationCache != null) {
      containerizer.setApplicationLayersCache(applicationCache);
    }
    Map<String, String> all = new LinkedHashMap<>(labels);
    all.putIfAbsent("org.opencontainers.image.base.name", base);
    return image.applyTo(from(), all).containerize(containerizer);
  }

  private JibContainerBuilder from() throws InvalidImageReferenceException {
    if ("scratch".equals(base)) {
      return Jib.fromScratch();
    }
    if (base.startsWith(Jib.TAR_IMAGE_PREFIX) || base.startsWith(Jib.DOCKER_DAEMON_IMAGE_PREFIX)) {
      return Jib.from(base);
    }
    String ref = base.startsWith(Jib.REGISTRY_IMAGE_PREFIX) ? base.substring(Jib.REGISTRY_IMAGE_PREFIX.length()) : base;
    return Jib.from(withCredentials(reference(ref), false));
  }

  /**
   * A registry image with its credentials: for the target, the environment's first when set; then the Docker config
   * (~/.docker/config.json and the credential helpers it names), then the well-known helpers (gcloud, ecr-login, ...).
   * None found means anonymous access, which public bases (Docker Hub) allow.
   */
  private RegistryImage withCredentials(ImageReference ref, boolean target) {
    RegistryImage image = RegistryImage.named(ref);
    CredentialRetrieverFactory factory = CredentialRetrieverFactory.forImage(ref, log);
    if (target) {
      Optional<String> user = Optional.ofNullable(environment.get(USERNAME_ENV)).filter(s -> !s.isBlank());
      Optional<String> password = Optional.ofNullable(environment.get(PASSWORD_ENV)).filter(s -> !s.isBlank());
      if (user.isPresent() != password.isPresent()) {
        throw new IllegalArgumentException("set both " + USERNAME_ENV + " and " + PASSWORD_ENV + ", or neither");
      }
      if (user.isPresent()) {
        image.addCredential(user.get(), password.get());
      }
    }
    return image.addCredentialRetriever(factory.dockerConfig())
        .addCredentialRetriever(factory.wellKnownCredentialHelpers());
  }

  static ImageReference reference(String name) {
    try {
      return ImageReference.parse(name);
    } catch (InvalidImageReferenceException e) {
      throw new IllegalArgumentException("not an image reference: '" + name + "' (expected [registry/]repository[:tag])",
          e);
    }
  }
}
