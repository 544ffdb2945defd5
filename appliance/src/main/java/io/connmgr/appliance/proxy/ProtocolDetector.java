package io.connmgr.appliance.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequestDecoder;

import java.util.List;

/** Looks at the first byte: 0x05 is a SOCKS5 greeting, anything else is taken for HTTP. Then steps aside. */
final class ProtocolDetector extends ByteToMessageDecoder {
    static final int MAX_INITIAL_LINE = 4096;
    static final int MAX_HEADER_SIZE = 8192;

    private final ProxyConnection connection;

    ProtocolDetector(ProxyConnection connection) {
        this.connection = connection;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!in.isReadable()) {
            return;
        }
        if (in.getByte(in.readerIndex()) == 0x05) {
            connection.protocol("socks5");
            ctx.pipeline().addAfter(ctx.name(), ProxyConnection.DECODER, new Socks5InitialRequestDecoder())
                    .addAfter(ProxyConnection.DECODER, ProxyConnection.PROTOCOL, new Socks5ProxyHandler(connection));
        } else {
            connection.protocol("http");
            ctx.pipeline().addAfter(ctx.name(), ProxyConnection.DECODER,
                            new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, 8192))
                    .addAfter(ProxyConnection.DECODER, ProxyConnection.PROTOCOL,
                            new HttpConnectProxyHandler(connection));
        }
        ctx.pipeline().remove(this); // what it holds goes on to the protocol's decoder
    }
}
