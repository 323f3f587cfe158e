package org.streamail.detect.content.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Writes small OLE2 compound files for tests: version 3, 512-byte sectors, small streams in the mini stream. */
final class CfbWriter {
    private record E(String name, int type, byte[] data) {
    }

    private final List<E> entries = new ArrayList<>();
    private byte[] rootClsid = new byte[16];

    CfbWriter stream(String name, byte[] data) {
        entries.add(new E(name, 2, data));
        return this;
    }

    CfbWriter storage(String name) {
        entries.add(new E(name, 1, new byte[0]));
        return this;
    }

    CfbWriter rootClsid(byte[] clsid) {
        rootClsid = clsid;
        return this;
    }

    byte[] build() {
        int n = entries.size() + 1;
        ByteArrayOutputStream mini = new ByteArrayOutputStream();
        List<Integer> miniFat = new ArrayList<>();
        int[] start = new int[n];
        List<byte[]> big = new ArrayList<>();
        List<Integer> bigIndex = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            E e = entries.get(i);
            start[i + 1] = -2;
            if (e.type != 2 || e.data.length == 0) {
                continue;
            }
            if (e.data.length < 4096) {
                int first = mini.size() / 64;
                int secs = (e.data.length + 63) / 64;
                for (int s = 0; s < secs; s++) {
                    miniFat.add(s == secs - 1 ? -2 : first + s + 1);
                }
                mini.writeBytes(e.data);
                mini.writeBytes(new byte[secs * 64 - e.data.length]);
                start[i + 1] = first;
            } else {
                big.add(e.data);
                bigIndex.add(i + 1);
            }
        }
        int dirSecs = (n * 128 + 511) / 512;
        int miniFatSecs = (miniFat.size() * 4 + 511) / 512;
        int miniSecs = (mini.size() + 511) / 512;
        int bigSecs = 0;
        for (byte[] b : big) {
            bigSecs += (b.length + 511) / 512;
        }
        int others = dirSecs + miniFatSecs + miniSecs + bigSecs;
        int fatSecs = 1;
        while (fatSecs * 128 < others + fatSecs) {
            fatSecs++;
        }
        int total = fatSecs + others;
        int[] fat = new int[fatSecs * 128];
        java.util.Arrays.fill(fat, -1);
        int next = 0;
        for (int i = 0; i < fatSecs; i++) {
            fat[next++] = -3;
        }
        int dirStart = chain(fat, next, dirSecs);
        next += dirSecs;
        int miniFatStart = miniFatSecs == 0 ? -2 : chain(fat, next, miniFatSecs);
        next += miniFatSecs;
        int miniStart = miniSecs == 0 ? -2 : chain(fat, next, miniSecs);
        next += miniSecs;
        for (int k = 0; k < big.size(); k++) {
            int secs = (big.get(k).length + 511) / 512;
            start[bigIndex.get(k)] = chain(fat, next, secs);
            next += secs;
        }
        ByteBuffer out = ByteBuffer.allocate(512 * (total + 1)).order(ByteOrder.LITTLE_ENDIAN);
        out.put(new byte[] {(byte) 0xD0, (byte) 0xCF, 0x11, (byte) 0xE0, (byte) 0xA1, (byte) 0xB1, 0x1A, (byte) 0xE1});
        out.position(0x18);
        out.putShort((short) 0x3E).putShort((short) 3).putShort((short) 0xFFFE).putShort((short) 9).putShort((short) 6);
        out.position(0x2C);
        out.putInt(fatSecs).putInt(dirStart).putInt(0).putInt(4096).putInt(miniFatStart).putInt(miniFatSecs)
                .putInt(-2).putInt(0);
        for (int i = 0; i < 109; i++) {
            out.putInt(i < fatSecs ? i : -1);
        }
        // FAT
        out.position(512);
        for (int f : fat) {
            out.putInt(f);
        }
        // directory
        int dirOff = 512 * (dirStart + 1);
        for (int i = 0; i < n; i++) {
            String name = i == 0 ? "Root Entry" : entries.get(i - 1).name;
            int type = i == 0 ? 5 : entries.get(i - 1).type;
            int p = dirOff + i * 128;
            byte[] nm = name.getBytes(StandardCharsets.UTF_16LE);
            out.position(p);
            out.put(nm);
            out.position(p + 0x40);
            out.putShort((short) (nm.length + 2));
            out.put((byte) type).put((byte) 1);
            out.putInt(-1); // left
            out.putInt(i == 0 || i == n - 1 ? -1 : i + 1); // right sibling chain
            out.putInt(i == 0 && n > 1 ? 1 : -1); // child
            out.position(p + 0x50);
            out.put(i == 0 ? rootClsid : new byte[16]);
            out.position(p + 0x74);
            if (i == 0) {
                out.putInt(miniStart).putInt(mini.size());
            } else {
                E e = entries.get(i - 1);
                out.putInt(start[i]).putInt(e.data.length);
            }
        }
        for (int i = n; i < dirSecs * 4; i++) {
            // unused entries: type 0, siblings none
            out.position(dirOff + i * 128 + 0x44);
            out.putInt(-1).putInt(-1).putInt(-1);
        }
        if (miniFatSecs > 0) {
            out.position(512 * (miniFatStart + 1));
            for (int m : miniFat) {
                out.putInt(m);
            }
            for (int i = miniFat.size(); i < miniFatSecs * 128; i++) {
                out.putInt(-1);
            }
        }
        if (miniSecs > 0) {
            out.position(512 * (miniStart + 1));
            out.put(mini.toByteArray());
        }
        for (int k = 0; k < big.size(); k++) {
            out.position(512 * (start[bigIndex.get(k)] + 1));
            out.put(big.get(k));
        }
        return out.array();
    }

    private static int chain(int[] fat, int first, int count) {
        for (int i = 0; i < count; i++) {
            fat[first + i] = i == count - 1 ? -2 : first + i + 1;
        }
        return first;
    }
}
