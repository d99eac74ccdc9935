package io.github.alipayrs.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lookup order of the Node helper: ALIPAY_BIN, PATH, the Python package, a checkout's target/. */
class FindBinaryTest {
    @TempDir
    Path tmp;

    private Path executable(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, content.getBytes(StandardCharsets.UTF_8));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    /** An environment in which nothing is found: no PATH entry with alipay, no usable Python. */
    private Map<String, String> emptyEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", tmp.resolve("empty-path").toString());
        env.put("ALIPAY_PYTHON", tmp.resolve("no-such-python").toString());
        return env;
    }

    @Test
    void alipayBinWinsAndMustBeAFile() throws IOException {
        Path bin = executable(tmp.resolve("x/alipay"), "#!/bin/sh\n");
        Path onPath = executable(tmp.resolve("p/alipay"), "#!/bin/sh\n");
        Map<String, String> env = emptyEnv();
        env.put("ALIPAY_BIN", bin.toString());
        env.put("PATH", onPath.getParent().toString());
        assertEquals(bin, AlipaySandbox.findBinary(env, List.of()));
        env.put("ALIPAY_BIN", tmp.resolve("missing").toString());
        SandboxException e = assertThrows(SandboxException.class, () -> AlipaySandbox.findBinary(env, List.of()));
        assertTrue(e.getMessage().contains("is not a file"), e.getMessage());
    }

    @Test
    void thenPath() throws IOException {
        Path onPath = executable(tmp.resolve("p/alipay"), "#!/bin/sh\n");
        Map<String, String> env = emptyEnv();
        env.put("PATH", tmp.resolve("nothing-here") + java.io.File.pathSeparator + onPath.getParent());
        assertEquals(onPath, AlipaySandbox.findBinary(env, List.of()));
    }

    @Test
    void thenThePythonPackage() throws IOException {
        Path target = executable(tmp.resolve("venv/bin/alipay"), "#!/bin/sh\n");
        // A stand-in interpreter that answers what `python3 -c "import alipay_sandbox; print(find_binary())"` would.
        Path python = executable(tmp.resolve("fake-python"), "#!/bin/sh\n[ \"$1\" = -c ] || exit 3\n"
                + "case \"$2\" in *alipay_sandbox.find_binary*) echo '" + target + "';; *) exit 4;; esac\n");
        Map<String, String> env = emptyEnv();
        env.put("ALIPAY_PYTHON", python.toString());
        assertEquals(target, AlipaySandbox.findBinary(env, List.of()));
    }

    @Test
    void thenACheckoutsReleaseThenDebugBuild() throws IOException {
        Path checkout = tmp.resolve("alipay-rs");
        Path debug = executable(checkout.resolve("target/debug/alipay"), "");
        Path nested = Files.createDirectories(checkout.resolve("java/target/classes"));
        Map<String, String> env = emptyEnv();
        // Not a checkout without Cargo.toml.
        assertThrows(SandboxException.class, () -> AlipaySandbox.findBinary(env, List.of(nested)));
        Files.write(checkout.resolve("Cargo.toml"), new byte[0]);
        assertEquals(debug, AlipaySandbox.findBinary(env, List.of(nested)));
        Path release = executable(checkout.resolve("target/release/alipay"), "");
        assertEquals(release, AlipaySandbox.findBinary(env, List.of(nested)));
    }

    @Test
    void nothingFoundSaysWhatToDo() {
        SandboxException e = assertThrows(SandboxException.class, () -> AlipaySandbox.findBinary(emptyEnv(), List.of(tmp)));
        assertTrue(e.getMessage().contains("ALIPAY_BIN"), e.getMessage());
        assertTrue(e.getMessage().contains("pip install ./python"), e.getMessage());
    }
}
