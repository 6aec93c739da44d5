package dev.permafrost.support.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns every error of a REST call into problem+json, with a message a caller can act on. */
public class ProblemMappers {

  public static final String PROBLEM_JSON = "application/problem+json";
  private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

  @ServerExceptionMapper
  public Response problem(ProblemException e, UriInfo uri) {
    return answer(e.status(), e.title(), e.getMessage(), uri);
  }

  /** JAX-RS's own errors, e.g. 404 for an unknown path or 415 for a wrong content type. */
  @ServerExceptionMapper
  public Response webApplication(WebApplicationException e, UriInfo uri) {
    if (e.getCause() instanceof JsonProcessingException unreadable) {
      return unreadableBody(unreadable, uri);
    }
    Response.StatusType status = e.getResponse().getStatusInfo();
    return answer(status.getStatusCode(), status.getReasonPhrase(), e.getMessage(), uri);
  }

  /** A body that is not JSON, or JSON of the wrong shape. */
  @ServerExceptionMapper
  public Response unreadableBody(JsonProcessingException e, UriInfo uri) {
    return answer(
        400,
        "Invalid request",
        "the request body is not the JSON this endpoint takes: " + e.getOriginalMessage(),
        uri);
  }

  /** Anything else: logged in full with an id, answered without internals. */
  @ServerExceptionMapper
  public Response unexpected(Exception e, UriInfo uri) {
    String incident = UUID.randomUUID().toString();
    LOG.errorf(e, "request %s failed, incident %s", uri.getPath(), incident);
    return answer(
        500, "Internal error", "the request failed; the service log has incident " + incident, uri);
  }

  private static Response answer(int status, String title, String detail, UriInfo uri) {
    return Response.status(status)
        .type(PROBLEM_JSON)
        .entity(new Problem("about:blank", title, status, detail, uri.getPath()))
        .build();
  }
}
