package org.streamail.detect.content.internal;

/** Seed material shared by the fuzz seed writer. */
final class ExecutableDetectionTestSeeds {
    private ExecutableDetectionTestSeeds() {
    }

    static byte[] oneNote() {
        byte[] header = {(byte) 0xE4, 0x52, 0x5C, 0x7B, (byte) 0x8C, (byte) 0xD8, (byte) 0xA7, 0x4D, (byte) 0xAE,
                (byte) 0xB1, 0x53, 0x78, (byte) 0xD0, 0x29, (byte) 0x96, (byte) 0xD3};
        byte[] fds = {(byte) 0xE7, 0x16, (byte) 0xE3, (byte) 0xBD, 0x65, 0x26, 0x11, 0x45, (byte) 0xA4, (byte) 0xC4,
                (byte) 0x8D, 0x4D, 0x0B, 0x7A, (byte) 0x9E, (byte) 0xAC};
        byte[] payload = Samples.elf();
        var b = Samples.le(200 + 36 + payload.length);
        b.put(header).position(100).put(fds).putLong(payload.length).putInt(0).putLong(0).put(payload);
        return b.array();
    }
}
