package dev.permafrost.support.config;

import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.ObjectStore;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.s3.S3Client;

/** Makes the configured bucket and key scheme injectable. */
public class ObjectStoreProducer {

  @Produces
  @Singleton
  ObjectStore objectStore(S3Client s3, PermafrostConfig config) {
    return new ObjectStore(s3, config.objectStore().bucket());
  }

  @Produces
  @Singleton
  ObjectKeys objectKeys(PermafrostConfig config) {
    return new ObjectKeys(config.objectStore().prefix());
  }
}
