package dev.sculptor.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** An image tarball opened the way a runtime reads it: index.json, then the manifest, the config and each layer. */
final class ImageTarball {

  /** One file or directory of a layer, as the tar entry says it. */
  record Entry(String path, boolean directory, long uid, long gid, int mode) {}

  final Map<String, byte[]> files = new HashMap<>();
  final String manifestDigest;
  final JsonObject manifest;
  final JsonObject config;
  /** The layers' entries, in image order (base layers first). */
  final List<List<Entry>> layers = new ArrayList<>();

  ImageTarball(Path tar) throws IOException {
    try (TarArchiveInputStream in = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(tar)))) {
      for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        if (e.isFile()) {
          files.put(e.getName(), in.readAllBytes());
        }
      }
    }
    assertNotNull(files.get("oci-layout"), "an OCI image layout has an oci-layout file");
    JsonObject index = json(file("index.json"));
    JsonArray manifests = index.getAsJsonArray("manifests");
    assertEquals(1, manifests.size(), "one image in the tarball");
    manifestDigest = manifests.get(0).getAsJsonObject().get("digest").getAsString();
    byte[] manifestBytes = blob(manifestDigest);
    manifest = json(manifestBytes);
    config = json(blob(manifest.getAsJsonObject("config").get("digest").getAsString()));
    for (var layer : manifest.getAsJsonArray("layers")) {
      layers.add(entries(blob(layer.getAsJsonObject().get("digest").getAsString())));
    }
  }

  JsonObject containerConfig() {
    return config.getAsJsonObject("config");
  }

  /** A blob by digest, checked against it (a layer or config whose bytes do not hash to its name is corrupt). */
  byte[] blob(String digest) {
    byte[] bytes = file("blobs/" + digest.replace(':', '/'));
    try {
      String actual = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
      assertEquals(digest, actual, "blob content matches its digest");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return bytes;
  }

  /** The index of the first layer holding {@code path} (an absolute path in the image), or -1. */
  int layerOf(String path) {
    for (int i = 0; i < layers.size(); i++) {
      for (Entry e : layers.get(i)) {
        if (e.path().equals(path)) {
          return i;
        }
      }
    }
    return -1;
  }

  private byte[] file(String name) {
    byte[] bytes = files.get(name);
    assertNotNull(bytes, name + " in the tarball");
    return bytes;
  }

  private static JsonObject json(byte[] bytes) {
    return JsonParser.parseString(new String(bytes, StandardCharsets.UTF_8)).getAsJsonObject();
  }

  private static List<Entry> entries(byte[] gzippedTar) throws IOException {
    List<Entry> out = new ArrayList<>();
    try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(gzippedTar));
        TarArchiveInputStream in = new TarArchiveInputStream(gz)) {
      for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        String name = "/" + e.getName().replaceFirst("^\\./", "").replaceFirst("^/", "").replaceFirst("/$", "");
        out.add(new Entry(name, e.isDirectory(), e.getLongUserId(), e.getLongGroupId(), e.getMode() & 07777));
      }
    }
    return out;
  }
}
