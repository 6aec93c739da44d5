package dev.permafrost.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DatasetDefinitionTest {

  @Test
  void offloadNeedsItsColumnsAndMoveTakesNone() {
    assertThatThrownBy(() -> define(LifecycleMode.OFFLOAD, List.of()))
        .hasMessageContaining("mode offload needs the offload-columns");
    assertThatThrownBy(() -> define(LifecycleMode.MOVE, List.of("raw_data")))
        .hasMessageContaining("offload-columns only go with mode offload");
    assertThat(define(LifecycleMode.OFFLOAD, List.of("raw_data")).offloadColumns())
        .containsExactly("raw_data");
  }

  @Test
  void fileLayoutNamesTheAllowedCodecsAndSizes() {
    assertThatThrownBy(() -> new DatasetDefinition.FileLayout("LZMA", 8 << 20, 256 << 20, false))
        .hasMessage("codec is 'LZMA'; allowed: ZSTD, SNAPPY, GZIP, UNCOMPRESSED");
    assertThatThrownBy(() -> new DatasetDefinition.FileLayout("ZSTD", 8 << 20, 1 << 20, false))
        .hasMessageContaining("target-file-bytes at least row-group-bytes");
  }

  private static DatasetDefinition define(LifecycleMode mode, List<String> offloadColumns) {
    return new DatasetDefinition(
        "points",
        "public.points",
        "recorded_at",
        Grain.MONTH,
        "id",
        Optional.of("user_id"),
        Optional.empty(),
        mode,
        List.of(),
        Duration.ofDays(60),
        offloadColumns,
        DatasetDefinition.FileLayout.DEFAULT);
  }
}
