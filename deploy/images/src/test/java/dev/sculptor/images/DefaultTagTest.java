package dev.sculptor.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The images' default tag is the tag the Helm chart pulls by default (its {@code appVersion}): an image built with
 * {@code ./sculptor images} and no {@code --tag} is the one a default install runs. Fails when either drifts, e.g. the
 * project version bumped without the chart.
 */
class DefaultTagTest {
  private static final Pattern APP_VERSION = Pattern.compile("(?m)^appVersion:\\s*\"?([^\"\\s]+)\"?\\s*$");

  static String chartAppVersion() throws Exception {
    // surefire runs in the module directory (basedir): the chart is helm/sculptor of the same checkout
    Path chart = Path.of(System.getProperty("basedir", "."), "..", "..", "helm", "sculptor", "Chart.yaml").normalize();
    Matcher m = APP_VERSION.matcher(Files.readString(chart));
    assertTrue(m.find(), "no appVersion in " + chart);
    return m.group(1);
  }

  @Test
  void theDefaultTagIsTheChartsAppVersion() throws Exception {
    assertEquals(chartAppVersion(), ImagesCommand.Version.defaultTag());
    assertEquals(ImagesCommand.Version.defaultTag(), new ImagesCommand().tag, "what --tag defaults to");
    assertTrue(ImagesCommand.Version.projectVersion().startsWith(ImagesCommand.Version.defaultTag()),
        "the tag is the project's version: " + ImagesCommand.Version.projectVersion());
  }
}
