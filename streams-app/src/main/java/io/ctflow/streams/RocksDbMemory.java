package io.ctflow.streams;

import io.ctflow.config.UsageException;
import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.DataBlockIndexType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the RocksDB memory of every state store of this process (Kafka Streams'
 * {@code rocksdb.config.setter}): one block cache shared by all stores, with memtables charged to it
 * through a write-buffer manager, and index and filter blocks in it too. Without this each store
 * instance (one per store and task) gets its own default cache and memtables, so memory grows with
 * the partition count. Sizes: {@code ctflow.rocksdb.memory.bytes} in all (default 256 MiB), of which
 * {@code ctflow.rocksdb.memtable.ratio} (default 0.5) may be memtables. The shared objects are made
 * once per JVM from the first store's settings and never closed by a store.
 */
public final class RocksDbMemory implements RocksDBConfigSetter {
    public static final String MEMORY_BYTES = "ctflow.rocksdb.memory.bytes";
    public static final String MEMTABLE_RATIO = "ctflow.rocksdb.memtable.ratio";
    static final long DEFAULT_MEMORY = 256L << 20;
    static final double DEFAULT_MEMTABLE_RATIO = 0.5;
    private static final long BLOCK_SIZE = 16 * 1024;
    /** Share of each flows memtable given to its whole-key filter. */
    static final double MEMTABLE_FILTER_RATIO = 0.02;

    private static Cache cache;
    private static WriteBufferManager writeBuffers;

    static synchronized Cache sharedCache(Map<String, Object> configs) {
        if (cache == null) {
            long total = number(configs, MEMORY_BYTES, DEFAULT_MEMORY);
            double ratio = fraction(configs, MEMTABLE_RATIO, DEFAULT_MEMTABLE_RATIO);
            // high-priority pool for index and filter blocks, so data blocks cannot evict them
            cache = new LRUCache(total, -1, false, 0.1);
            writeBuffers = new WriteBufferManager((long) (total * ratio), cache);
        }
        return cache;
    }

    static synchronized WriteBufferManager sharedWriteBuffers(Map<String, Object> configs) {
        sharedCache(configs);
        return writeBuffers;
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(sharedCache(configs));
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        table.setBlockSize(BLOCK_SIZE);
        // Point lookups are most of the flow join's time (a get per event the decoded-flows cache
        // misses), and every connection's first one misses (its NEW): filters everywhere so a miss
        // reads no data block. Kafka Streams turns the last level's filters off
        // (optimizeFiltersForHits), where most keys live; data blocks get a hash index, so a hit
        // reads one block entry instead of a binary search.
        options.setOptimizeFiltersForHits(false);
        table.setDataBlockIndexType(DataBlockIndexType.kDataBlockBinaryAndHash);
        if (storeName.equals(StoreNames.FLOWS)) {
            // A whole-key filter in the flows store's memtables too. It is allocated with each
            // memtable and charged to the shared budget: at 0.1 of 16 MB for every store of 8
            // tasks it took the whole memtable budget and the app stalled into transaction
            // timeouts (bench scaling, 8 partitions); so the flows store only, and 0.02 (~26 bits
            // per entry of a full memtable).
            options.setMemtablePrefixBloomSizeRatio(MEMTABLE_FILTER_RATIO);
            options.setMemtableWholeKeyFiltering(true);
            // Kafka Streams' 16 MiB memtables, not smaller ones: in 4 MiB the stream thread's skip-list
            // inserts stayed in the CPU caches (13 % -> 8 % of its time), but the four times as many
            // flushes doubled compaction on these cores and the wall rate gained nothing (BENCHMARKS.md,
            // fifteenth and seventeenth rounds).
        }
        options.setWriteBufferManager(sharedWriteBuffers(configs));
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // the cache and the write-buffer manager are shared by every store: not closed here
    }

    static long number(Map<String, Object> configs, String key, long dflt) {
        Object v = configs.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            long n = Long.parseLong(v.toString().trim());
            if (n < (16L << 20)) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException(key + " must be a number of bytes >= 16777216, got '" + v + "'");
        }
    }

    static double fraction(Map<String, Object> configs, String key, double dflt) {
        Object v = configs.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            double d = Double.parseDouble(v.toString().trim());
            if (!(d > 0 && d < 1)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException(key + " must be a fraction between 0 and 1, got '" + v + "'");
        }
    }
}
