package io.ctflow.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.DataBlockIndexType;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

class RocksDbMemoryTest {
    static {
        RocksDB.loadLibrary();
    }

    @Test
    void everyStoreSharesOneCacheAndOneWriteBufferManager() {
        RocksDbMemory setter = new RocksDbMemory();
        try (Options a = new Options(); Options b = new Options()) {
            a.setTableFormatConfig(new BlockBasedTableConfig());
            b.setTableFormatConfig(new BlockBasedTableConfig());
            setter.setConfig("flows", a, Map.of());
            setter.setConfig("anomalies", b, Map.of());
            assertSame(RocksDbMemory.sharedCache(Map.of()), RocksDbMemory.sharedCache(Map.of("ctflow.rocksdb.memory.bytes", "999999999")),
                    "one cache per process");
            assertTrue(((BlockBasedTableConfig) a.tableFormatConfig()).cacheIndexAndFilterBlocks());
            assertEquals(16 * 1024, ((BlockBasedTableConfig) b.tableFormatConfig()).blockSize());
        }
    }

    /** A point lookup that misses (every connection's NEW) reads filters, not data blocks, on every level. */
    @Test
    void lookupsHaveFiltersOnEveryLevelAndHashedDataBlocksAndFlowsMemtablesAFilter() {
        try (Options flows = new Options(); Options other = new Options()) {
            for (Options o : List.of(flows, other)) {
                o.setTableFormatConfig(new BlockBasedTableConfig());
                o.setOptimizeFiltersForHits(true); // what Kafka Streams sets before calling the setter
                o.setWriteBufferSize(16L << 20); // likewise
            }
            new RocksDbMemory().setConfig(StoreNames.FLOWS, flows, Map.of());
            new RocksDbMemory().setConfig(StoreNames.ANOMALIES, other, Map.of());
            for (Options o : List.of(flows, other)) {
                assertEquals(false, o.optimizeFiltersForHits());
                assertEquals(DataBlockIndexType.kDataBlockBinaryAndHash, ((BlockBasedTableConfig) o.tableFormatConfig()).dataBlockIndexType());
            }
            assertEquals(RocksDbMemory.MEMTABLE_FILTER_RATIO, flows.memtablePrefixBloomSizeRatio(), 1e-9);
            assertTrue(flows.memtableWholeKeyFiltering());
            // allocated with every memtable and charged to the shared budget: not for the other stores
            assertEquals(0.0, other.memtablePrefixBloomSizeRatio(), 1e-9);
            // every store keeps the memtable size Kafka Streams set (small ones cost more compaction than they saved)
            assertEquals(16L << 20, flows.writeBufferSize());
            assertEquals(16L << 20, other.writeBufferSize());
        }
    }

    @Test
    void theAppUsesItByDefault() {
        assertEquals(RocksDbMemory.class.getName(), AppConfig.defaults().get("rocksdb.config.setter"));
    }

    @Test
    void badSizesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RocksDbMemory.fraction(Map.of("ctflow.rocksdb.memtable.ratio", "2"), "ctflow.rocksdb.memtable.ratio", 0.5));
        assertEquals("ctflow.rocksdb.memtable.ratio must be a fraction between 0 and 1, got '2'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> RocksDbMemory.number(Map.of("ctflow.rocksdb.memory.bytes", "1k"), "ctflow.rocksdb.memory.bytes", 1));
        assertEquals("ctflow.rocksdb.memory.bytes must be a number of bytes >= 16777216, got '1k'", e.getMessage());
    }
}
