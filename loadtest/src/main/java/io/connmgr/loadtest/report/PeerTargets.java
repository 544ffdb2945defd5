package io.connmgr.loadtest.report;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Finds {@link PeerTarget} implementations by name through {@link ServiceLoader}. */
public final class PeerTargets {
    private PeerTargets() {
    }

    /** Every registered factory, available here or not. */
    public static List<PeerTarget.Factory> all() {
        List<PeerTarget.Factory> list = new ArrayList<>();
        ServiceLoader.load(PeerTarget.Factory.class).forEach(list::add);
        return list;
    }

    /**
     * A new target of the named kind.
     *
     * @throws IllegalArgumentException naming the known peers when there is none of that name, or saying why it cannot
     *                                  run here (not installed)
     */
    public static PeerTarget create(String name) {
        List<PeerTarget.Factory> all = all();
        for (PeerTarget.Factory f : all) {
            if (f.name().equals(name)) {
                String why = f.unavailableReason();
                if (why != null) {
                    throw new IllegalArgumentException("peer " + name + " cannot run here: " + why);
                }
                return f.create();
            }
        }
        throw new IllegalArgumentException("no peer named '" + name + "'; known: "
                + (all.isEmpty() ? "none" : String.join(", ", all.stream().map(PeerTarget.Factory::name).toList())));
    }
}
