package org.streamail.detect.content.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.streamail.detect.content.internal.ArchiveWalker.MalformedArchive;

/**
 * A minimal, bounds-checked reader of OLE2 compound files ([MS-CFB]): the directory and the streams, read
 * through the FAT and mini FAT. Chains are followed at most once per sector, so cycles end. Immutable
 * after {@link #parse}; not shared between threads.
 */
final class Cfb {
    private static final int END_OF_CHAIN = -2;

    /** A directory entry: type 1 storage, 2 stream, 5 root. */
    record Entry(String name, int type, int start, long size, byte[] clsid) {
        boolean isStream() {
            return type == 2;
        }
    }

    private final byte[] d;
    private final int sectorSize;
    private final int[] fat;
    private final int[] miniFat;
    private final long miniCutoff;
    private final byte[] miniStream;
    final List<Entry> entries;

    private Cfb(byte[] d, int sectorSize, int[] fat, int[] miniFat, long miniCutoff, byte[] miniStream,
            List<Entry> entries) {
        this.d = d;
        this.sectorSize = sectorSize;
        this.fat = fat;
        this.miniFat = miniFat;
        this.miniCutoff = miniCutoff;
        this.miniStream = miniStream;
        this.entries = entries;
    }

    static Cfb parse(byte[] d, int maxStream) {
        if (d.length < 512) {
            throw new MalformedArchive("compound file shorter than its header");
        }
        int shift = Texts.u16le(d, 0x1E);
        if (shift != 9 && shift != 12) {
            throw new MalformedArchive("compound file sector shift " + shift);
        }
        int sectorSize = 1 << shift;
        int sectors = Math.max(0, (d.length - sectorSize) / sectorSize + 1);
        // FAT sector ids: 109 in the header, the rest in the DIFAT chain.
        List<Integer> fatSectors = new ArrayList<>();
        for (int i = 0; i < 109; i++) {
            int id = Texts.i32le(d, 0x4C + 4 * i);
            if (id >= 0) {
                fatSectors.add(id);
            }
        }
        int difat = Texts.i32le(d, 0x44);
        int perSector = sectorSize / 4;
        for (int guard = 0; difat >= 0 && guard < sectors; guard++) {
            int off = offset(difat, sectorSize, d.length);
            for (int i = 0; i < perSector - 1; i++) {
                int id = Texts.i32le(d, off + 4 * i);
                if (id >= 0) {
                    fatSectors.add(id);
                }
            }
            difat = Texts.i32le(d, off + sectorSize - 4);
        }
        int fatLen = (int) Math.min((long) fatSectors.size() * perSector, sectors + 1L);
        int[] fat = new int[fatLen];
        for (int i = 0; i < fatLen; i++) {
            int sector = fatSectors.get(i / perSector);
            int off = offset(sector, sectorSize, d.length);
            fat[i] = Texts.i32le(d, off + 4 * (i % perSector));
        }
        Cfb bare = new Cfb(d, sectorSize, fat, new int[0], 0, new byte[0], List.of());
        byte[] dir = bare.chain(Texts.i32le(d, 0x30), Integer.MAX_VALUE, maxStream);
        List<Entry> entries = new ArrayList<>();
        for (int p = 0; p + 128 <= dir.length && entries.size() < 100_000; p += 128) {
            int nameLen = Math.min(Texts.u16le(dir, p + 0x40), 64);
            int type = dir[p + 0x42];
            if (type == 0) {
                entries.add(new Entry("", 0, -1, 0, new byte[16]));
                continue;
            }
            String name = new String(dir, p, Math.max(0, nameLen - 2), StandardCharsets.UTF_16LE);
            byte[] clsid = java.util.Arrays.copyOfRange(dir, p + 0x50, p + 0x60);
            long size = shift == 9 ? Texts.u32le(dir, p + 0x78)
                    : Texts.u32le(dir, p + 0x78) | (Texts.u32le(dir, p + 0x7C) << 32);
            entries.add(new Entry(name, type, Texts.i32le(dir, p + 0x74), size, clsid));
        }
        if (entries.isEmpty() || entries.get(0).type() != 5) {
            throw new MalformedArchive("compound file without a root entry");
        }
        long cutoff = Texts.u32le(d, 0x38);
        int[] miniFat = toInts(bare.chain(Texts.i32le(d, 0x3C), Integer.MAX_VALUE, maxStream));
        Entry root = entries.get(0);
        byte[] mini = bare.chain(root.start(), root.size(), maxStream);
        return new Cfb(d, sectorSize, fat, miniFat, cutoff, mini, List.copyOf(entries));
    }

    private static int[] toInts(byte[] b) {
        int[] out = new int[b.length / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = Texts.i32le(b, 4 * i);
        }
        return out;
    }

    private static int offset(int sector, int sectorSize, int length) {
        long off = (sector + 1L) * sectorSize;
        if (sector < 0 || off + sectorSize > length) {
            throw new MalformedArchive("compound file sector " + sector + " out of range");
        }
        return (int) off;
    }

    /** The root entry's class id (identifies MSI and MSP packages). */
    byte[] rootClsid() {
        return entries.get(0).clsid();
    }

    Entry find(String name) {
        for (Entry e : entries) {
            if (e.name().equalsIgnoreCase(name)) {
                return e;
            }
        }
        return null;
    }

    /** The bytes of a stream, at most {@code max}. */
    byte[] read(Entry e, int max) {
        if (e.size() < miniCutoff) {
            return miniChain(e.start(), e.size(), max);
        }
        return chain(e.start(), e.size(), max);
    }

    private byte[] chain(int start, long size, int max) {
        long want = Math.min(size, max);
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(want, 1 << 16));
        int cur = start;
        for (int guard = 0; cur >= 0 && cur < fat.length && out.size() < want && guard <= fat.length; guard++) {
            long off = (cur + 1L) * sectorSize;
            if (off >= d.length) {
                break;
            }
            int n = (int) Math.min(Math.min(sectorSize, d.length - off), want - out.size());
            out.write(d, (int) off, n);
            cur = fat[cur];
        }
        if (cur != END_OF_CHAIN && out.size() < want && size != Integer.MAX_VALUE) {
            throw new MalformedArchive("compound file stream chain broken");
        }
        return out.toByteArray();
    }

    private byte[] miniChain(int start, long size, int max) {
        long want = Math.min(size, max);
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(want, 1 << 16));
        int cur = start;
        for (int guard = 0; cur >= 0 && cur < miniFat.length && out.size() < want && guard <= miniFat.length;
                guard++) {
            long off = cur * 64L;
            if (off >= miniStream.length) {
                break;
            }
            int n = (int) Math.min(Math.min(64, miniStream.length - off), want - out.size());
            out.write(miniStream, (int) off, n);
            cur = miniFat[cur];
        }
        return out.toByteArray();
    }
}
