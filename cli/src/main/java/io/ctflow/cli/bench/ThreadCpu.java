package io.ctflow.cli.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.function.Predicate;

/**
 * CPU time of this JVM's threads whose names match, e.g. an app's stream threads or the embedded
 * broker's log cleaner. The threads are found once (by name, without their stacks) and then read
 * by id, so sampling it every poll costs a clock read per thread, not a stack dump of every thread.
 */
final class ThreadCpu {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
    private final long[] ids;

    private ThreadCpu(long[] ids) {
        this.ids = ids;
    }

    /** The live threads whose names match now (none where the JVM cannot measure thread CPU time). */
    static ThreadCpu of(Predicate<String> name) {
        if (!MX.isThreadCpuTimeSupported()) {
            return new ThreadCpu(new long[0]);
        }
        long[] ids = Arrays.stream(MX.getThreadInfo(MX.getAllThreadIds()))
                .filter(t -> t != null && name.test(t.getThreadName()))
                .mapToLong(ThreadInfo::getThreadId)
                .toArray();
        return new ThreadCpu(ids);
    }

    /** Kafka Streams names an instance's stream threads after its application id. */
    static ThreadCpu streamThreads(String applicationId) {
        return of(n -> n.startsWith(applicationId + "-") && n.contains("-StreamThread-"));
    }

    /** The embedded broker's log cleaner: it compacts changelogs on the same cores as the app. */
    static ThreadCpu logCleaner() {
        return of(n -> n.startsWith("kafka-log-cleaner-thread-"));
    }

    /** Their CPU time so far, in nanoseconds (a thread that ended counts 0 from then on). */
    long nanos() {
        long sum = 0;
        for (long id : ids) {
            sum += Math.max(0, MX.getThreadCpuTime(id));
        }
        return sum;
    }
}
