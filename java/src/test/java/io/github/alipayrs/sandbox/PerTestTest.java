package io.github.alipayrs.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code perTest()}: a fresh sandbox for each test, stopped (and its temporary directory deleted) after it. */
class PerTestTest {
    @RegisterExtension
    static AlipaySandboxExtension extension = AlipaySandboxExtension.perTest();

    static final List<AlipaySandbox> seen = new ArrayList<>();
    static final List<Path> dirs = new ArrayList<>();

    @BeforeEach
    void sameSandboxInBeforeEach(AlipaySandbox sandbox) {
        seen.add(sandbox);
    }

    @RepeatedTest(2)
    void aFreshSandbox(AlipaySandbox sandbox) {
        assertEquals(sandbox, seen.get(seen.size() - 1), "@BeforeEach and the test get the same one");
        assertTrue(sandbox.isRunning());
        dirs.add(sandbox.dataDir());
        assertEquals(List.of(), sandbox.notifications());
        sandbox.createBuyer("1.00");
    }

    @AfterAll
    static void eachStoppedAfterItsTest() {
        assertEquals(2, seen.size());
        assertNotEquals(seen.get(0).pid(), seen.get(1).pid());
        for (int i = 0; i < seen.size(); i++) {
            assertFalse(seen.get(i).isRunning());
            assertFalse(Files.exists(dirs.get(i)), "temporary data directory deleted");
        }
    }
}
