package io.connmgr.appliance.transport.proxyprotocol;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.AroundTryHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;
import net.jqwik.api.lifecycle.TryExecutionResult;
import net.jqwik.api.lifecycle.TryExecutor;
import net.jqwik.api.lifecycle.TryLifecycleContext;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets a run by hand ask for more tries than the build's: {@code -Dproxyprotocol.fuzz.tries=1000000} overrides the
 * tries of every property it is attached to, and prints progress every 100,000 tries so a long run shows how far it
 * got even when it is stopped.
 */
public final class FuzzTries implements AroundPropertyHook, AroundTryHook {
    static final String PROPERTY = "proxyprotocol.fuzz.tries";
    private static final long PROGRESS_EVERY = 100_000;
    private final Map<String, AtomicLong> tried = new ConcurrentHashMap<>();

    /** Attached to a class, it reaches the class's properties. */
    @Override
    public PropagationMode propagateTo() {
        return PropagationMode.ALL_DESCENDANTS;
    }

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        String tries = System.getProperty(PROPERTY);
        if (tries != null && !tries.isBlank()) {
            context.attributes().setTries(Integer.parseInt(tries.trim()));
        }
        return property.execute();
    }

    @Override
    public TryExecutionResult aroundTry(TryLifecycleContext context, TryExecutor aTry, List<Object> parameters) {
        TryExecutionResult result = aTry.execute(parameters);
        if (System.getProperty(PROPERTY) != null) {
            long n = tried.computeIfAbsent(context.label(), k -> new AtomicLong()).incrementAndGet();
            if (n % PROGRESS_EVERY == 0) {
                System.out.printf("fuzz progress: %s: %,d tries, all passed so far, at %s%n", context.label(), n,
                        Instant.now());
            }
        }
        return result;
    }
}
