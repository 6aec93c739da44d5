package dev.permafrost.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.permafrost.devstack.DevStack;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/** Chunk files stream into the object store in parts, appear whole or not at all, and once. */
class ChunkStreamingIT {

  private static DevStack stack;
  private static S3Client s3;
  private static ObjectStore store;

  @BeforeAll
  static void start() {
    stack = DevStack.start(Path.of("target", "devstack-streaming"));
    s3 = stack.s3Client();
    store = new ObjectStore(s3, DevStack.BUCKET);
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  @Test
  void aFileOfSeveralPartsArrivesWholeWithItsSizeAndDigestAndOnlyOnce() throws Exception {
    byte[] content = randomBytes(S3OutputFile.PART_BYTES * 2 + 12_345);
    S3OutputFile file = store.outputFile("streaming/multi.bin");
    try (OutputStream out = file.create(0)) {
      for (int offset = 0; offset < content.length; offset += 100_000) {
        out.write(content, offset, Math.min(100_000, content.length - offset));
      }
    }
    assertThat(file.stored())
        .isEqualTo(new ObjectStore.StoredBytes(content.length, Sha256.hex(content)));
    assertThat(store.getBytes("streaming/multi.bin")).isEqualTo(content);
    assertThatThrownBy(() -> store.outputFile("streaming/multi.bin").create(0))
        .isInstanceOf(ObjectConflictException.class);
  }

  @Test
  void aSmallFileIsOneWriteOncePut() throws Exception {
    S3OutputFile file = store.outputFile("streaming/small.bin");
    try (OutputStream out = file.create(0)) {
      out.write(new byte[] {1, 2, 3});
    }
    assertThat(store.getBytes("streaming/small.bin")).containsExactly(1, 2, 3);
  }

  @Test
  void anInterruptedStreamIsAbortedAndLeavesNothingVisible() throws Exception {
    S3OutputFile file = store.outputFile("streaming/interrupted.bin");
    OutputStream out = file.create(0);
    // More than a part: one part is uploaded before the writer dies.
    out.write(randomBytes(S3OutputFile.PART_BYTES + 1_000));
    file.abandon(new IOException("the exporter died"));

    assertThat(store.exists("streaming/interrupted.bin")).isFalse();
    assertThat(s3.listMultipartUploads(b -> b.bucket(DevStack.BUCKET)).uploads())
        .noneMatch(upload -> upload.key().equals("streaming/interrupted.bin"));
    assertThatThrownBy(() -> out.write(1)).isInstanceOf(IOException.class);
  }

  private static byte[] randomBytes(int size) {
    byte[] bytes = new byte[size];
    new Random(7).nextBytes(bytes);
    return bytes;
  }
}
