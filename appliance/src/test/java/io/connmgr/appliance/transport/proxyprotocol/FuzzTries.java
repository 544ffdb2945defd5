package io.connmgr.appliance.transport.proxyprotocol;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Lets a run by hand ask for more tries than the build's: {@code -Dproxyprotocol.fuzz.tries=1000000} overrides the
 * tries of every property it is attached to.
 */
public final class FuzzTries implements AroundPropertyHook {
    static final String PROPERTY = "proxyprotocol.fuzz.tries";

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
}
