package dev.permafrost.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.permafrost.devstack.DumpServer;
import dev.permafrost.query.service.DenyList;
import dev.permafrost.support.rest.ProblemException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DenyListTest {

  @Test
  void readsDomainPagePairsFromAUrlAndKeepsTheLastGoodListWhenARefreshFails() {
    try (DumpServer server = DumpServer.start()) {
      server.publish(
          "deny.txt",
          "# spam\nen Special:Search\n\nen Main_Page\nde Main_Page\nen Main_Page\n"
              .getBytes(StandardCharsets.UTF_8));
      DenyList list = new DenyList(server.baseUrl() + "/deny.txt");

      DenyList.Snapshot snapshot = list.current();
      assertThat(snapshot.entries()).isEqualTo(3);
      assertThat(snapshot.mostPerDomain()).isEqualTo(2);
      assertThat(snapshot.denies("en", "Main_Page")).isTrue();
      assertThat(snapshot.denies("fr", "Main_Page")).isFalse();
      assertThat(snapshot.sha256()).hasSize(64);

      server.publish("deny.txt", "en Main_Page spam\n".getBytes(StandardCharsets.UTF_8));
      assertThatThrownBy(list::refresh)
          .isInstanceOf(ProblemException.class)
          .hasMessageContaining("line 1 is 'en Main_Page spam'");
      assertThat(list.current()).isSameAs(snapshot);
    }
  }

  @Test
  void aListThatCannotBeReadFailsInsteadOfDenyingNothing() {
    try (DumpServer server = DumpServer.start()) {
      DenyList missing = new DenyList(server.baseUrl() + "/absent.txt");
      assertThatThrownBy(missing::current)
          .isInstanceOf(ProblemException.class)
          .hasMessageContaining("could not be read: HTTP 404");
    }
    assertThatThrownBy(() -> new DenyList("target/no-such-deny-list.txt").current())
        .hasMessageContaining("no-such-deny-list.txt could not be read");
    assertThat(new DenyList("none").current().entries()).isZero();
  }
}
