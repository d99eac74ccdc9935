package io.github.alipayrs.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * On a non-static field (a new extension per test instance), a per-class extension gives each test its own
 * sandbox, stopped after it, instead of keeping one per test alive until the class ends. A receiver asked for
 * in @BeforeEach is the test's.
 */
class InstanceFieldTest {
    @RegisterExtension
    AlipaySandboxExtension extension = AlipaySandboxExtension.perClass();

    static final List<AlipaySandbox> seen = new ArrayList<>();
    NotificationReceiver fromBeforeEach;

    @BeforeEach
    void before(NotificationReceiver receiver) {
        fromBeforeEach = receiver;
    }

    @RepeatedTest(2)
    void ownSandbox(AlipaySandbox sandbox, NotificationReceiver receiver) {
        assertSame(fromBeforeEach, receiver, "one receiver per test");
        assertTrue(sandbox.isRunning());
        seen.add(sandbox);
    }

    @AfterAll
    static void eachStoppedAfterItsTest() {
        assertEquals(2, seen.size());
        assertNotEquals(seen.get(0).pid(), seen.get(1).pid());
        assertFalse(seen.get(0).isRunning());
        assertFalse(seen.get(1).isRunning());
    }
}
