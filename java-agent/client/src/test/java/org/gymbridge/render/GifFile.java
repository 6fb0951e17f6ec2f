package org.gymbridge.render;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import org.w3c.dom.Node;

/** A GIF read back with the JDK's GIF reader: its frames, first frame delay and whether it loops forever. */
record GifFile(List<BufferedImage> frames, int delayCentiseconds, boolean loopsForever) {

    static GifFile read(Path path) throws Exception {
        try (ImageInputStream in = ImageIO.createImageInputStream(path.toFile())) {
            ImageReader reader = ImageIO.getImageReadersByFormatName("gif").next();
            try {
                reader.setInput(in);
                int n = reader.getNumImages(true);
                List<BufferedImage> frames = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    frames.add(reader.read(i));
                }
                IIOMetadataNode root = (IIOMetadataNode) reader.getImageMetadata(0).getAsTree("javax_imageio_gif_image_1.0");
                int delay = -1;
                boolean loops = false;
                for (Node c = root.getFirstChild(); c != null; c = c.getNextSibling()) {
                    if (c.getNodeName().equals("GraphicControlExtension")) {
                        delay = Integer.parseInt(((IIOMetadataNode) c).getAttribute("delayTime"));
                    }
                    if (c.getNodeName().equals("ApplicationExtensions")) {
                        for (Node a = c.getFirstChild(); a != null; a = a.getNextSibling()) {
                            IIOMetadataNode app = (IIOMetadataNode) a;
                            byte[] data = (byte[]) app.getUserObject();
                            loops |= "NETSCAPE".equals(app.getAttribute("applicationID")) && data != null
                                    && data.length == 3 && data[0] == 1 && data[1] == 0 && data[2] == 0;
                        }
                    }
                }
                return new GifFile(frames, delay, loops);
            } finally {
                reader.dispose();
            }
        }
    }
}
