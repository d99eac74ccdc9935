package io.github.alipayrs.sandbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/** java/README.md and the repository's README.md print src/test/java/ReadmeTest.java verbatim, in a java code block. */
class ReadmeSnippetTest {
    @Test
    void readmeShowsTheTestThatRuns() throws IOException {
        Path root = Paths.get(System.getProperty("user.dir")); // Maven runs the tests in java/
        String test = Files.readString(root.resolve("src/test/java/ReadmeTest.java"), StandardCharsets.UTF_8);
        String readme = Files.readString(root.resolve("README.md"), StandardCharsets.UTF_8);
        assertTrue(readme.contains("```java\n" + test + "```\n"),
                "java/README.md must contain src/test/java/ReadmeTest.java verbatim in a ```java block");
        String top = Files.readString(root.resolve("../README.md"), StandardCharsets.UTF_8);
        assertTrue(top.contains("```java\n" + test + "```\n"),
                "README.md must contain java/src/test/java/ReadmeTest.java verbatim in a ```java block");
    }
}
